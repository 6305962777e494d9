"""requirements.txt holds what the site runs with, and only that: a module the site imports is
pinned there (not only in the dev file), and each pin there is used by the running site."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions

from tests.schools.test_settings_declared import ROOT, _site_modules


def _pinned(filename: str) -> set[str]:
    names = set()
    for line in (ROOT / filename).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==", line.strip())
        if match:
            names.add(match.group(1).lower().replace("_", "-"))
    return names


def _site_imports() -> set[str]:
    top = set()
    for path in _site_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                top.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                top.add(node.module.split(".")[0])
    return top


def _distributions(modules: set[str]) -> set[str]:
    owners = packages_distributions()
    found = set()
    for module in modules:
        if module in sys.stdlib_module_names or (ROOT / module).is_dir():
            continue
        found.update(name.lower().replace("_", "-") for name in owners.get(module, [module]))
    return found


def _named_outside_imports() -> str:
    """Settings strings, the Procfile and deploy units name what is used without an import."""
    parts = [(ROOT / "schooltrips" / "settings.py").read_text(), (ROOT / "Procfile").read_text()]
    parts += [path.read_text() for path in (ROOT / "deploy").iterdir() if path.is_file()]
    return "\n".join(parts).lower()


def test_every_module_the_site_imports_is_a_runtime_requirement():
    runtime = _pinned("requirements.txt")
    assert "django" in runtime
    assert sorted(_distributions(_site_imports()) - runtime) == []


def test_every_runtime_requirement_is_used_by_the_site():
    imported = _distributions(_site_imports())
    named = _named_outside_imports()
    # Drivers and static bundles are loaded by name, never imported by our code.
    loaded_by_name = {
        "psycopg": "postgresql",
        "django-bootstrap-static": '"bootstrap"',
        "django-crispy-forms": '"crispy_forms"',
    }
    unused = [
        name
        for name in sorted(_pinned("requirements.txt"))
        if name not in imported
        and name.replace("-", "_") not in named
        and loaded_by_name.get(name, "\0") not in named
    ]
    assert unused == []


def test_test_and_bench_tools_stay_out_of_the_runtime_file():
    runtime = _pinned("requirements.txt")
    for tool in ("pytest", "pypdf", "img2pdf", "psutil", "honcho", "locust", "moto", "ruff"):
        assert tool not in runtime
        assert tool in _pinned("requirements-dev.txt")
