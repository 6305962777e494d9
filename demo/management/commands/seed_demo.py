from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, seed_demo, trip_status


class Command(BaseCommand):
    help = "Create (or refresh) the demo school, users, roster and trips. Idempotent."

    def handle(self, *args, **options):
        result = seed_demo()
        for username, role in result.users:
            self.stdout.write(f"login\t{role}\t{username}\t{DEMO_PASSWORD}")
        self.stdout.write(f"school\t{result.school.code}\t{result.school.name}")
        for trip in result.trips:
            self.stdout.write(f"trip\t{trip.pk}\t{trip_status(trip)}\t{trip.title}")
