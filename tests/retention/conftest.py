"""Helpers for the retention tests: trips that are due, documents and packets in the vault."""

from __future__ import annotations

import datetime
import hashlib
import secrets

import pytest
from django.utils import timezone

from documents import vault
from documents.models import Document, DocumentKind, UploadLink
from packets.models import Packet, PacketStatus, PaperCopy
from tests import factories


def ended_trip(school, *, days_ago: int = 10, **kwargs):
    """A trip that ended `days_ago` days ago (school date); due when days_ago > grace_days."""
    end = timezone.localdate() - datetime.timedelta(days=days_ago)
    return factories.TripFactory(
        school=school, start_date=end - datetime.timedelta(days=2), end_date=end, **kwargs
    )


def store_document(participant, content: bytes = b"%PDF-1.7 canary", pages: int = 1):
    document = Document(
        participant=participant,
        kind=DocumentKind.PORTAL_PDF,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
    )
    document.storage_name = vault.store(participant.trip_id, content, aad=document.aad)
    document.save()
    return document


def store_packet(trip, content: bytes = b"%PDF-1.7 packet", pages: int = 3):
    packet = Packet(trip=trip, status=PacketStatus.DONE, size=len(content), pages=pages)
    packet.storage_name = vault.store(trip.pk, content, aad=packet.aad)
    packet.save()
    return packet


def upload_link(participant):
    return UploadLink.objects.create(
        participant=participant, token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    )


def filled_trip(school, *, participants: int = 3, days_ago: int = 10, **kwargs):
    """A due trip with one document and one link per participant, a packet and a paper copy."""
    trip = ended_trip(school, days_ago=days_ago, **kwargs)
    for _ in range(participants):
        participant = factories.ParticipantFactory(trip=trip)
        store_document(participant, content=b"%PDF-1.7 " + secrets.token_bytes(100), pages=2)
        upload_link(participant)
    packet = store_packet(trip)
    PaperCopy.objects.create(trip=trip, packet=packet, copy_number=1, holder=trip.organiser)
    return trip


def vault_files(settings) -> list[str]:
    return sorted(
        str(p.relative_to(settings.VAULT_DIR)) for p in settings.VAULT_DIR.rglob("*") if p.is_file()
    )


@pytest.fixture
def due_trip(school):
    return filled_trip(school)
