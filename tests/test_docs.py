"""The design documents the code cites live in docs/, and every section it cites exists there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITATION = re.compile(r"\b(DESIGN|STYLE)\.md (§\d+(?:, §\d+)*)")
SKIP = {".venv", "node_modules", "staticfiles", "var", ".git"}


def _cited() -> dict[tuple[str, int], list[str]]:
    cited: dict[tuple[str, int], list[str]] = {}
    tops = [top for top in ROOT.iterdir() if top.name not in SKIP]
    paths = [top for top in tops if top.is_file()]
    paths += [path for top in tops if top.is_dir() for path in top.rglob("*")]
    for path in paths:
        if path.suffix not in {".py", ".md", ".html"}:
            continue
        if path.parent == ROOT / "docs" and path.stem in {"design", "style"}:
            continue
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            for number in re.findall(r"\d+", match.group(2)):
                where = str(path.relative_to(ROOT))
                cited.setdefault((match.group(1).lower(), int(number)), []).append(where)
    return cited


def test_every_cited_section_exists_in_the_repository_copy():
    cited = _cited()
    assert ("design", 3) in cited  # the walk found the code's citations
    missing = []
    for (document, number), places in sorted(cited.items()):
        text = (ROOT / "docs" / f"{document}.md").read_text(encoding="utf-8")
        if not re.search(rf"^## {number}\. ", text, flags=re.M):
            missing.append(f"{document}.md §{number} cited by {places}")
    assert missing == []


def test_the_readme_points_at_the_repository_copy_not_a_folder_beside_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared/" not in readme
    assert "docs/design.md" in readme
