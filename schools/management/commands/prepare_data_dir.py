from django.conf import settings
from django.core.management.base import BaseCommand

from schooltrips import datadir


class Command(BaseCommand):
    help = (
        "Create DATA_DIR's folders (vault, upload and packet temp) and, with DJANGO_DEBUG=1, "
        "its development secrets. Safe to run again, and from several machines at once."
    )
    # It is what fixes the check schools.E001, so that check must not stop it.
    requires_system_checks = []

    def handle(self, *args, **options) -> None:
        datadir.prepare(settings.DATA_DIR, development=settings.DEBUG)
        if options["verbosity"]:
            self.stdout.write(f"DATA_DIR ready: {settings.DATA_DIR}")
