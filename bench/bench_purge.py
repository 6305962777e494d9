"""Benchmark the purge (issue 6): `bench purge-10k ...`.

50 ended trips of 200 participants, each with one encrypted document in the vault (10,000
documents and files) and one packet per trip, all due. One sweep purges them the way the hourly
beat task does (`retention.purge.sweep`). Reports the sweep's wall time and the process's peak
RSS while it ran (sampled every 10 ms), to show the purge runs in batches with bounded memory:
per trip, never all 10,000 rows at once.

Run: .venv/bin/python bench/bench_purge.py   (temporary DATA_DIR and SQLite; nothing kept)
"""

from __future__ import annotations

import datetime
import hashlib
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIPS = 50
PER_TRIP = 200
DOCUMENT_BYTES = 20_000


def _setup_django(data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "schooltrips.settings"
    os.environ["DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    from schooltrips import datadir

    datadir.prepare(Path(data_dir), development=True)
    django.setup()


def _populate() -> int:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from documents import vault
    from documents.models import Document, DocumentKind
    from packets.models import Packet, PacketStatus
    from schools.models import Membership, School
    from students.models import Student
    from trips.models import Participant, Trip

    school = School.objects.create(code="BENCH", name="ベンチ中学校", grace_days=3)
    teacher = get_user_model().objects.create(username="bench-teacher")
    Membership.objects.create(user=teacher, school=school, role="teacher")
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                student_number=f"B{n:05d}",
                grade=1 + n % 3,
                class_name=str(1 + n % 8),
                number=1 + n % 40,
                name=f"生徒 {n}",
            )
            for n in range(PER_TRIP)
        ]
    )
    end = datetime.date.today() - datetime.timedelta(days=10)
    filler = secrets.token_bytes(DOCUMENT_BYTES)
    total = 0
    for t in range(TRIPS):
        with transaction.atomic():
            trip = Trip.objects.create(
                school=school,
                title=f"修学旅行 {t}",
                kind="school_trip",
                start_date=end - datetime.timedelta(days=2),
                end_date=end,
                organiser=teacher,
            )
            participants = Participant.objects.bulk_create(
                Participant(trip=trip, student=s, group_name=f"{n % 8}班")
                for n, s in enumerate(students)
            )
            documents = []
            for participant in participants:
                content = b"%PDF-1.7\n" + secrets.token_bytes(32) + filler
                document = Document(
                    participant=participant,
                    kind=DocumentKind.PORTAL_PDF,
                    content_type="application/pdf",
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    pages=1,
                )
                document.storage_name = vault.store(trip.pk, content, aad=document.aad)
                documents.append(document)
            Document.objects.bulk_create(documents, batch_size=500)
            packet = Packet(trip=trip, status=PacketStatus.DONE, size=len(filler), pages=PER_TRIP)
            packet.storage_name = vault.store(trip.pk, filler, aad=packet.aad)
            packet.save()
            total += len(documents)
    return total


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="bench-purge-")
    try:
        _setup_django(data_dir)
        import psutil
        from django.conf import settings
        from django.core.management import call_command

        from documents.models import Document
        from retention import purge
        from retention.models import DeletionCertificate

        call_command("migrate", verbosity=0)
        documents = _populate()
        files_before = sum(1 for p in Path(settings.VAULT_DIR).rglob("*") if p.is_file())

        process = psutil.Process()
        peak = process.memory_info().rss
        start_rss = peak
        running = True

        def sample():
            nonlocal peak
            while running:
                peak = max(peak, process.memory_info().rss)
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        report = purge.sweep(trigger="bench")
        seconds = time.perf_counter() - started
        running = False
        sampler.join()

        files_after = sum(1 for p in Path(settings.VAULT_DIR).rglob("*") if p.is_file())
        assert report.ok and len(report.purged) == TRIPS, report
        assert not Document.objects.exists() and files_after == 0
        assert DeletionCertificate.objects.count() == TRIPS
        mb = 1024 * 1024
        print(
            f"bench purge-10k seconds={seconds:.2f} peak_rss_mb={peak / mb:.0f} "
            f"start_rss_mb={start_rss / mb:.0f} growth_mb={(peak - start_rss) / mb:.0f} "
            f"documents={documents} trips={TRIPS} files={files_before} "
            f"per_trip_ms={seconds / TRIPS * 1000:.0f}"
        )
        return 0
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
