from __future__ import annotations

from documents import links
from tests.factories import ParticipantFactory
from trips.models import TripStatus


def test_issuing_the_first_link_starts_collection(db):
    participant = ParticipantFactory()
    trip = participant.trip
    assert trip.status == TripStatus.PREPARING
    links.issue(participant)
    trip.refresh_from_db()
    assert trip.collecting_since is not None
    assert trip.status == TripStatus.COLLECTING
