"""The purge: which trips are due, purging one trip, and the hourly sweep (DESIGN.md §3).

A trip is a small state machine, active → purging → purged, driven by the database on every
sweep (never by a delayed task), so a missed run is caught up by the next one. Each trip is
purged in two short transactions holding a row lock:

1. claim: mark it purging and destroy its data key (crypto-shredding comes first: from here on
   no copy of its files, a backup included, can be read);
2. delete: document, packet and upload-link rows (through their owners' deletion functions),
   queue their vault files, write the certificate and audit events, mark it purged.

Vault files are removed after the second commit and retried until they are gone. A crash at any
point leaves the trip active or purging with its rows intact or gone, and the next sweep finishes.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from documents import vault
from documents.deletion import remove_pending
from documents.models import Document, UploadLink
from packets.models import Packet
from packets.work import remove_stale_work, remove_trip_work
from schools.audit import record
from schools.models import AuditEvent
from trips.models import PurgeState, Trip

from . import alerts, deletion, files
from .models import DeletionCertificate, PurgeReason, SweepRun, SweepStatus

logger = logging.getLogger(__name__)

RUN_HISTORY = datetime.timedelta(days=90)


@dataclass
class TripOutcome:
    trip_id: int
    documents: int = 0
    pages: int = 0
    packets: int = 0
    bytes: int = 0
    upload_links: int = 0
    error: str = ""


@dataclass
class SweepReport:
    run: str
    dry_run: bool
    due: int = 0
    purged: list[TripOutcome] = field(default_factory=list)
    failed: list[TripOutcome] = field(default_factory=list)
    files_removed: int = 0
    files_pending: int = 0
    orphans_removed: int = 0
    stale_work_removed: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.files_pending


def due_trip_ids(now: datetime.datetime | None = None) -> list[int]:
    """Trips to purge now: purge date passed (Asia/Tokyo), or cancelled, or left half-purged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # end_date < today is necessary for every ended trip (grace_days >= 0); the exact due time
    # is checked per trip below, on at most the last 14 days' worth of trips.
    candidates = (
        Trip.objects.filter(purge_state__in=[PurgeState.ACTIVE, PurgeState.PURGING])
        .filter(Q(cancelled_at__isnull=False) | Q(end_date__lt=today))
        .select_related("school")
        .only("pk", "end_date", "cancelled_at", "purge_state", "school__grace_days")
        .order_by("pk")
    )
    return [
        trip.pk
        for trip in candidates.iterator(chunk_size=500)
        if trip.purge_state == PurgeState.PURGING or trip.purge_due_at <= now
    ]


def _lock(trip_id: int) -> Trip | None:
    """The trip row, locked; None when another sweep holds it or it is already purged.

    PostgreSQL: SKIP LOCKED, so a second worker moves on. SQLite ignores FOR UPDATE, but the
    project opens write transactions IMMEDIATE, which serialises writers; the state re-check
    after the lock makes the loser a no-op.
    """
    return (
        Trip.objects.select_for_update(skip_locked=True)
        .filter(pk=trip_id, purge_state__in=[PurgeState.ACTIVE, PurgeState.PURGING])
        .first()
    )


def _certificate_number(trip: Trip, when: datetime.datetime) -> str:
    return f"DC-{timezone.localtime(when):%Y%m%d}-{trip.pk}-{secrets.token_hex(2)}"


def measure(trip_id: int) -> TripOutcome:
    """What a purge of this trip would delete now (for dry runs and the certificate)."""
    documents = Document.objects.filter(participant__trip_id=trip_id).aggregate(
        n=Count("pk"), pages=Sum("pages"), bytes=Sum("size")
    )
    packets = Packet.objects.filter(trip_id=trip_id).aggregate(n=Count("pk"), bytes=Sum("size"))
    return TripOutcome(
        trip_id=trip_id,
        documents=documents["n"] or 0,
        pages=documents["pages"] or 0,
        packets=packets["n"] or 0,
        bytes=(documents["bytes"] or 0) + (packets["bytes"] or 0),
        upload_links=UploadLink.objects.filter(participant__trip_id=trip_id).count(),
    )


def purge_trip(
    trip_id: int, *, run: SweepRun, now: datetime.datetime | None = None
) -> DeletionCertificate | None:
    """Purge one due trip; None when it is not due, already purged or being purged elsewhere."""
    now = now or timezone.now()
    with transaction.atomic():
        trip = _lock(trip_id)
        if trip is None:
            return None
        if trip.purge_state == PurgeState.ACTIVE:
            if trip.purge_due_at > now:
                return None  # never touch a trip whose purge date is in the future
            trip.purge_state = PurgeState.PURGING
            trip.save(update_fields=["purge_state"])
            record("purge_started", school=trip.school_id, trip=trip, run=run.code)
        vault.destroy_data_key(trip_id)

    with transaction.atomic():
        trip = _lock(trip_id)
        if trip is None or trip.purge_state != PurgeState.PURGING:
            return None
        outcome = measure(trip_id)
        removed = deletion.delete_trip_data(trip_id)
        # Plaintext a killed build left on disk, and the cached cover, go before the certificate.
        remove_trip_work(trip_id)
        purged_at = timezone.now()
        started = (
            AuditEvent.objects.filter(trip_id=trip_id, action="purge_started")
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        certificate = DeletionCertificate.objects.create(
            trip=trip,
            number=_certificate_number(trip, purged_at),
            run=run,
            run_code=run.code,
            reason=PurgeReason.CANCELLED if trip.cancelled_at else PurgeReason.ENDED,
            purge_due_at=trip.purge_due_at,
            key_destroyed_at=started or purged_at,
            purged_at=purged_at,
            documents=outcome.documents,
            pages=outcome.pages,
            packets=outcome.packets,
            bytes=outcome.bytes,
            upload_links=outcome.upload_links,
            files=removed.files,
            participants=trip.participants.count(),
        )
        record(
            "purge_completed",
            obj=certificate,
            school=trip.school_id,
            trip=trip,
            run=run.code,
            documents=outcome.documents,
            pages=outcome.pages,
            packets=outcome.packets,
            bytes=outcome.bytes,
            files=removed.files,
        )
        trip.purge_state = PurgeState.PURGED
        trip.purged_at = purged_at
        trip.save(update_fields=["purge_state", "purged_at"])

    # The files went after the commit (documents/deletion.py); failures wait for the next sweep.
    alerts.ask_to_shred_paper_copies(trip)
    return certificate


def sweep(
    now: datetime.datetime | None = None, dry_run: bool = False, trigger: str = "beat"
) -> SweepReport:
    """Purge every due trip, retry pending file deletions, reconcile orphans. Safe to run twice."""
    now = now or timezone.now()
    run = SweepRun.objects.create(trigger=trigger, dry_run=dry_run)
    report = SweepReport(run=run.code, dry_run=dry_run)
    due = due_trip_ids(now)
    report.due = len(due)
    for trip_id in due:
        if dry_run:
            report.purged.append(measure(trip_id))
            continue
        try:
            certificate = purge_trip(trip_id, run=run, now=now)
        except Exception as exc:
            code = type(exc).__name__.lower()[:40]
            report.failed.append(TripOutcome(trip_id=trip_id, error=code))
            alerts.purge_failed(trip_id, code=code, run=run.code)
            continue
        if certificate is not None:
            report.purged.append(
                TripOutcome(
                    trip_id=trip_id,
                    documents=certificate.documents,
                    pages=certificate.pages,
                    packets=certificate.packets,
                    bytes=certificate.bytes,
                )
            )
    if not dry_run:
        report.files_removed, report.files_pending = remove_pending()
    report.orphans_removed = files.reconcile(now=now, dry_run=dry_run)
    if not dry_run:
        # Build folders of killed builds (plaintext pages) of trips not yet due.
        report.stale_work_removed = remove_stale_work()
    if report.orphans_removed and not dry_run:
        record("orphans_removed", run=run.code, files=report.orphans_removed)
    if report.files_pending:
        alerts.files_pending(report.files_pending, run=run.code)
    # Runs are operational history, not proof (certificates keep their run code): keep 90 days.
    SweepRun.objects.filter(started_at__lt=now - RUN_HISTORY).delete()
    run.trips_due = report.due
    run.trips_purged = len(report.purged) if not dry_run else 0
    run.trips_failed = len(report.failed)
    run.files_removed = report.files_removed
    run.files_pending = report.files_pending
    run.orphans_removed = report.orphans_removed
    run.status = SweepStatus.OK if report.ok else SweepStatus.FAILED
    run.finished_at = timezone.now()
    run.save()
    return report
