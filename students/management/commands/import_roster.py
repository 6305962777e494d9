"""`manage.py import_roster SCHOOL_CODE FILE`: the DESIGN.md §5 contract (all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools import audit
from schools.models import School
from students import roster


class Command(BaseCommand):
    help = "Import a roster CSV (UTF-8 or CP932) for a school; nothing is imported on any error."

    def add_arguments(self, parser):
        parser.add_argument("school_code")
        parser.add_argument("file", type=Path)

    def handle(self, *args, school_code: str, file: Path, **options):
        school = School.objects.filter(code=school_code).first()
        if school is None:
            raise CommandError(f"Unknown school code: {school_code}")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        parsed = roster.parse_roster(data, school)
        if not parsed.ok:
            for problem in parsed.problems:
                self.stdout.write(str(problem))
            audit.record(
                "roster_imported",
                school=school,
                method="cli",
                status="refused",
                count=len(parsed.problems),
            )
            raise CommandError(
                f"{len(parsed.problems)} problem(s); nothing was imported.", returncode=1
            )
        try:
            result = roster.apply_roster(parsed, school)
        except roster.RosterConflict as exc:
            raise CommandError(str(exc.message), returncode=1) from exc
        audit.record(
            "roster_imported",
            school=school,
            method="cli",
            status="done",
            added=result.added,
            updated=result.updated,
        )
        self.stdout.write(
            f"added {result.added}, updated {result.updated}, unchanged {result.unchanged}"
        )
