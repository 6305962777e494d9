"""Benchmark the roster import (issue 3): `bench roster-5000 ...`.

A 5,000-line CP932 CSV with CRLF, checked and imported all or nothing, then imported again (every
line unchanged). Run: .venv/bin/python bench/bench_roster.py (temporary DATA_DIR and SQLite).
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINES = 5000


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="schooltrips-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="schooltrips.settings", DATA_DIR=data_dir, LOG_LEVEL="WARNING"
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    try:
        import django

        from schooltrips import datadir

        datadir.prepare(Path(data_dir), development=True)
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from schools.models import School
        from students.roster import apply_roster, parse_roster

        school = School.objects.create(code="BENCH", name="ベンチ中学校")
        rows = ["学籍番号,学年,組,出席番号,氏名,ふりがな,保護者メール"]
        rows += [
            f"{300000 + n},{n % 3 + 1},{n % 8 + 1},{n % 40 + 1},"
            f"髙橋 生徒{n},せいと {n},g{n}@example.jp"
            for n in range(LINES)
        ]
        data = "\r\n".join(rows).encode("cp932")

        started = time.perf_counter()
        parsed = parse_roster(data, school)
        checked = time.perf_counter() - started
        assert parsed.ok, parsed.problems[:3]
        result = apply_roster(parsed, school)
        first = time.perf_counter() - started
        assert result.added == LINES

        started = time.perf_counter()
        again = apply_roster(parse_roster(data, school), school)
        second = time.perf_counter() - started
        assert again.unchanged == LINES
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"bench roster-5000 seconds={first:.2f} check_seconds={checked:.2f} "
            f"reimport_seconds={second:.2f} peak_rss_mb={peak_mb:.0f} lines={LINES}"
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
