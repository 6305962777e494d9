"""`manage.py purge_expired [--dry-run]`: the same purge as the hourly beat sweep."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from retention import purge


class Command(BaseCommand):
    help = "Purge every trip past its purge date (the beat sweep's work); --dry-run only counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        report = purge.sweep(dry_run=dry_run, trigger="command")
        verb = "would purge" if dry_run else "purged"
        for outcome in report.purged:
            self.stdout.write(
                f"{verb} trip={outcome.trip_id} documents={outcome.documents} "
                f"pages={outcome.pages} packets={outcome.packets} bytes={outcome.bytes}"
            )
        for outcome in report.failed:
            self.stdout.write(f"failed trip={outcome.trip_id} error={outcome.error}")
        self.stdout.write(
            f"run={report.run} dry_run={int(dry_run)} due={report.due} "
            f"purged={0 if dry_run else len(report.purged)} failed={len(report.failed)} "
            f"files_removed={report.files_removed} files_pending={report.files_pending} "
            f"orphans_{'found' if dry_run else 'removed'}={report.orphans_removed}"
        )
        if report.failed or report.files_pending:
            raise SystemExit(1)
