"""Helpers for the retention tests: trips that are due, documents and packets in the vault."""

from __future__ import annotations

import datetime
import secrets

import pytest
from django.utils import timezone

from packets.models import PaperCopy
from tests import factories


def ended_trip(school, *, days_ago: int = 10, **kwargs):
    """A trip that ended `days_ago` days ago (school date); due when days_ago > grace_days."""
    end = timezone.localdate() - datetime.timedelta(days=days_ago)
    return factories.TripFactory(
        school=school, start_date=end - datetime.timedelta(days=2), end_date=end, **kwargs
    )


def filled_trip(school, *, participants: int = 3, days_ago: int = 10, **kwargs):
    """A due trip with one document and one link per participant, a packet and a paper copy."""
    trip = ended_trip(school, days_ago=days_ago, **kwargs)
    for _ in range(participants):
        participant = factories.ParticipantFactory(trip=trip)
        factories.DocumentFactory(
            participant=participant, content=b"%PDF-1.7 " + secrets.token_bytes(100), pages=2
        )
        factories.UploadLinkFactory(participant=participant)
    packet = factories.PacketFactory(trip=trip)
    PaperCopy.objects.create(trip=trip, packet=packet, copy_number=1, holder=trip.organiser)
    return trip


def vault_files(settings) -> list[str]:
    return sorted(
        str(p.relative_to(settings.VAULT_DIR)) for p in settings.VAULT_DIR.rglob("*") if p.is_file()
    )


@pytest.fixture
def due_trip(school):
    return filled_trip(school)
