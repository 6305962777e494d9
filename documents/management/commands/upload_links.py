from django.core.management.base import BaseCommand, CommandError

from documents import links
from trips.models import Trip


class Command(BaseCommand):
    help = (
        "Print each participant's upload link (student number, name, URL), creating missing ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("trip_id", type=int)

    def handle(self, *args, trip_id: int, **options):
        trip = Trip.objects.filter(pk=trip_id).first()
        if trip is None:
            raise CommandError(f"no trip with id {trip_id}")
        if not links.is_open(trip):
            raise CommandError("this trip no longer accepts uploads (locked, started or closed)")
        for participant, link in links.links_for_trip(trip):
            student = participant.student
            self.stdout.write(f"{student.student_number}\t{student.name}\t{links.url_for(link)}")
