"""`manage.py build_packet TRIP_ID [--group NAME] --output FILE`: build synchronously.

The same code path as the background task (packets.builder.build_packet); the file written is
plaintext, so it is created 0600 and the operator is responsible for it.
"""

from __future__ import annotations

import getpass
import os
import shutil

from django.core.management.base import BaseCommand, CommandError

from packets.builder import BuildError, build_packet
from trips.models import Trip


class Command(BaseCommand):
    help = "Build a trip's packet (or one group's) synchronously into a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("trip_id", type=int)
        parser.add_argument("--group", default="", help="only this group's participants")
        parser.add_argument("--output", required=True, help="where to write the PDF")
        parser.add_argument(
            "--password", action="store_true", help="ask for a password (AES-256) on the terminal"
        )

    def handle(self, *args, trip_id: int, group: str, output: str, password: bool, **options):
        trip = Trip.objects.filter(pk=trip_id).first()
        if trip is None:
            raise CommandError(f"no trip {trip_id}")
        if trip.is_closed:
            raise CommandError(f"trip {trip_id} is cancelled or purged")
        if group and not trip.participants.filter(group_name=group).exists():
            raise CommandError("no participant in that group")
        secret = getpass.getpass("Password: ") if password else None
        try:
            with build_packet(trip, group_name=group, password=secret) as built:
                fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as target, built.path.open("rb") as source:
                    shutil.copyfileobj(source, target)
                self.stdout.write(
                    f"{output}: {built.pages} pages, {built.documents} documents, "
                    f"{built.size} bytes"
                )
        except BuildError as exc:
            raise CommandError(f"build failed: {exc.code}") from exc
