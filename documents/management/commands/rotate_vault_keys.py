from django.core.management.base import BaseCommand

from documents import vault
from schools.audit import record


class Command(BaseCommand):
    help = "Re-wrap every trip's data key under the newest master key in VAULT_KEYS."

    def handle(self, *args, **options):
        count = vault.rotate_master_key()
        record("keys_rotated", count=count)
        self.stdout.write(f"re-wrapped {count} data keys")
