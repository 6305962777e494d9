"""Packets as a domain: request a build, tell when it is stale, record prints, delete it.

The build itself runs in packets.runner (the task's body).

`delete_packet` and `delete_trip_packets` are the one deletion path for packets (rows first, vault
files after the transaction commits), used by the teacher's delete button and the retention purge.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from documents import vault
from documents.deletion import discard_files
from schools import audit
from trips.models import Trip

from .builder import current_fingerprint
from .models import Packet, PacketStatus, PaperCopy
from .tasks import build

log = logging.getLogger(__name__)

PASSWORD_MIN = 8
PASSWORD_MAX = 64
MAX_COPIES = 10


def paper_copy_holders(trip: Trip, user) -> list:
    """Who may hold a printed copy: the trip's teachers and whoever is printing it."""
    return list(
        get_user_model()
        .objects.filter(Q(pk=trip.organiser_id) | Q(accompanied_trips=trip) | Q(pk=user.pk))
        .distinct()
        .order_by("username")
    )


def build_in_flight(trip: Trip, group_name: str = "") -> bool:
    """A build of this trip (and group) is queued or running: a second would repeat its work."""
    return Packet.objects.filter(
        trip=trip,
        group_name=group_name,
        status__in=[PacketStatus.QUEUED, PacketStatus.RUNNING],
    ).exists()


def request_build(
    trip: Trip, user, *, role: str = "", group_name: str = "", password: str = ""
) -> Packet:
    """Queue a build; the worker picks it up after this transaction commits."""
    with transaction.atomic():
        packet = Packet.objects.create(
            trip=trip,
            group_name=group_name,
            built_by=user,
            password_protected=bool(password),
        )
        if password:
            packet.password_storage_name = vault.store(
                trip.pk, password.encode(), aad=packet.password_aad
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
