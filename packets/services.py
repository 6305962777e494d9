"""Packets as a domain: request a build, run it, store it, tell when it is stale, delete it.

`delete_packet` and `delete_trip_packets` are the one deletion path for packets (rows first, vault
files after the transaction commits), used by the teacher's delete button and the retention purge.
"""

from __future__ import annotations

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from documents import vault
from documents.deletion import discard_files
from schools import audit
from trips.models import Trip

from .builder import BuildError, build_packet, current_fingerprint
from .models import Packet, PacketStatus, PaperCopy

log = logging.getLogger(__name__)

PASSWORD_MIN = 8
PASSWORD_MAX = 64
# Progress is written at most this often (a row update per document would be wasteful).
PROGRESS_INTERVAL = 0.5
MAX_COPIES = 10


def _password_aad(packet: Packet) -> str:
    return f"packet-password:{packet.uuid}"


def request_build(
    trip: Trip, user, *, role: str = "", group_name: str = "", password: str = ""
) -> Packet:
    """Queue a build; the worker picks it up after this transaction commits."""
    from .tasks import build

    with transaction.atomic():
        packet = Packet.objects.create(
            trip=trip,
            group_name=group_name,
            built_by=user,
            password_protected=bool(password),
        )
        if password:
            packet.password_storage_name = vault.store(
                trip.pk, password.encode(), aad=_password_aad(packet)
            )
            packet.save(update_fields=["password_storage_name"])
        audit.record(
            "packet_requested",
            actor=user,
            role=role,
            obj=packet,
            school=trip.school_id,
            trip=trip,
            variant="group" if group_name else "whole",
            password=bool(password),
        )
        build.delay_on_commit(packet_id=packet.pk)
    return packet


def _take_password(packet: Packet) -> str | None:
    """Read the build password and remove it from the vault: it is used once."""
    if not packet.password_storage_name:
        return None
    name = packet.password_storage_name
    try:
        password = vault.load(packet.trip_id, name, aad=_password_aad(packet)).decode()
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

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= PROGRESS_INTERVAL:
            last = now
            Packet.objects.filter(pk=packet.pk).update(progress_done=done, progress_total=total)

    try:
        password = _take_password(packet)
        with build_packet(
            trip, group_name=packet.group_name, password=password, progress=progress
        ) as built:
            storage_name = vault.store(trip.pk, built.path.read_bytes(), aad=packet.aad)
            pages, size, fingerprint = built.pages, built.size, built.fingerprint
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


def stale_ids(packets: list[Packet]) -> set[int]:
    """Finished packets whose documents or participants changed since they were built."""
    current: dict[tuple[int, str], str] = {}
    stale = set()
    for packet in packets:
        if packet.status != PacketStatus.DONE:
            continue
        key = (packet.trip_id, packet.group_name)
        if key not in current:
            current[key] = current_fingerprint(packet.trip, packet.group_name)
        if current[key] != packet.source_fingerprint:
            stale.add(packet.pk)
    return stale


def is_stale(packet: Packet) -> bool:
    return packet.pk in stale_ids([packet])


def read_packet(packet: Packet) -> bytes:
    """The decrypted PDF (the caller checks access and records the download)."""
    return vault.load(packet.trip_id, packet.storage_name, aad=packet.aad)


def record_download(packet: Packet, user, role: str) -> None:
    audit.record(
        "packet_downloaded",
        actor=user,
        role=role,
        obj=packet,
        school=packet.trip.school_id,
        trip=packet.trip_id,
        password=packet.password_protected,
    )


def register_paper_copies(packet: Packet, user, *, copies: int, holder, role: str = ""):
    """Record `copies` printed copies held by `holder`; retention asks for their shredding."""
    if not 1 <= copies <= MAX_COPIES:
        raise ValueError("copies out of range")
    created = []
    with transaction.atomic():
        # Lock the trip row so two printers never take the same copy number.
        Trip.objects.select_for_update().filter(pk=packet.trip_id).first()
        last = (
            PaperCopy.objects.filter(trip_id=packet.trip_id)
            .order_by("-copy_number")
            .values_list("copy_number", flat=True)
            .first()
        ) or 0
        for number in range(last + 1, last + 1 + copies):
            copy = PaperCopy.objects.create(
                trip_id=packet.trip_id, packet=packet, copy_number=number, holder=holder
            )
            created.append(copy)
            audit.record(
                "paper_copy_registered",
                actor=user,
                role=role,
                obj=copy,
                school=packet.trip.school_id,
                trip=packet.trip_id,
                copy_number=number,
            )
        audit.record(
            "packet_printed",
            actor=user,
            role=role,
            obj=packet,
            school=packet.trip.school_id,
            trip=packet.trip_id,
            count=copies,
        )
    return created


def delete_packet(packet: Packet, *, actor=None, role: str = "") -> None:
    """Delete one packet: the row now, its vault files once the transaction commits."""
    names = [n for n in (packet.storage_name, packet.password_storage_name) if n]
    with transaction.atomic():
        audit.record(
            "packet_deleted",
            actor=actor,
            role=role,
            obj=packet,
            school=packet.trip.school_id,
            trip=packet.trip_id,
        )
        discard_files(names, trip_id=packet.trip_id)
        packet.delete()


def delete_trip_packets(trip_id: int) -> dict[str, int]:
    """Every packet of a trip (the retention purge): counts of rows, files and bytes removed.

    Paper copies stay (their packet link goes null) until their shredding is confirmed.
    """
    with transaction.atomic():
        packets = list(
            Packet.objects.filter(trip_id=trip_id).values_list(
                "storage_name", "password_storage_name", "size"
            )
        )
        names = [name for row in packets for name in row[:2] if name]
        files = discard_files(names, trip_id=trip_id)
        Packet.objects.filter(trip_id=trip_id).delete()
    return {"packets": len(packets), "files": files, "bytes": sum(row[2] for row in packets)}
