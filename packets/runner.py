"""Run one packet build (the body of the `packets.build` task): build, store, record.

Progress (phase, steps done / total) is written on the Packet row at most every
PROGRESS_INTERVAL and at every change of phase, so the trip page's bar names the step it is in.
"""

from __future__ import annotations

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from documents import vault
from schools import audit

from .builder import BuildError, build_packet
from .models import BuildPhase, Packet, PacketStatus

log = logging.getLogger(__name__)

# Progress is written at most this often (a row update per document would be wasteful).
PROGRESS_INTERVAL = 0.5


def _take_password(packet: Packet) -> str | None:
    """Read the build password and remove it from the vault: it is used once."""
    if not packet.password_storage_name:
        return None
    name = packet.password_storage_name
    try:
        password = vault.load(packet.trip_id, name, aad=packet.password_aad).decode()
    finally:
        vault.remove(name)
        Packet.objects.filter(pk=packet.pk).update(password_storage_name="")
    return password


def run_build(packet_id: int) -> Packet | None:
    """Build a queued packet and store it encrypted; a failure is recorded with its reason."""
    packet = Packet.objects.select_related("trip__school").filter(pk=packet_id).first()
    if packet is None or packet.status not in (PacketStatus.QUEUED, PacketStatus.RUNNING):
        log.info("packet %s is gone or already finished", packet_id)
        return packet
    trip = packet.trip
    if trip.is_closed:  # cancelled or purged meanwhile: its documents must not be read again
        return _fail(packet, "trip_closed")
    Packet.objects.filter(pk=packet.pk).update(status=PacketStatus.RUNNING)
    last = 0.0
    current_phase = ""

    def progress(phase: str, done: int, total: int) -> None:
        nonlocal last, current_phase
        now = time.monotonic()
        if phase != current_phase or done == total or now - last >= PROGRESS_INTERVAL:
            last, current_phase = now, phase
            Packet.objects.filter(pk=packet.pk).update(
                progress_phase=phase, progress_done=done, progress_total=total
            )

    try:
        password = _take_password(packet)
        with build_packet(
            trip, group_name=packet.group_name, password=password, progress=progress
        ) as built:
            storage_name = vault.store(trip.pk, built.path.read_bytes(), aad=packet.aad)
            pages, size, fingerprint = built.pages, built.size, built.fingerprint
            total = built.documents + 3
            progress(BuildPhase.STORING, total, total)
    except SoftTimeLimitExceeded:
        return _fail(packet, "timeout")
    except BuildError as exc:
        return _fail(packet, exc.code)
    except vault.VaultError:
        # The purge destroyed the trip's key while we built: the trip is closed, not broken.
        return _fail(packet, "trip_closed")
    except Exception:
        # The traceback names our code and temp files, never document content.
        log.exception("packet %s failed", packet.pk)
        return _fail(packet, "internal_error")
    updated = Packet.objects.filter(pk=packet.pk).update(
        status=PacketStatus.DONE,
        storage_name=storage_name,
        size=size,
        pages=pages,
        source_fingerprint=fingerprint,
        finished_at=timezone.now(),
    )
    if not updated:  # deleted (or purged) while building: the file must not outlive the row
        vault.remove(storage_name)
        return None
    audit.record(
        "packet_built", obj=packet, school=trip.school_id, trip=trip, pages=pages, bytes=size
    )
    packet.refresh_from_db()
    return packet


def _fail(packet: Packet, code: str) -> Packet:
    Packet.objects.filter(pk=packet.pk).update(
        status=PacketStatus.FAILED, error_code=code, finished_at=timezone.now()
    )
    trip = packet.trip
    audit.record("packet_failed", obj=packet, school=trip.school_id, trip=trip, reason=code)
    packet.refresh_from_db()
    return packet
