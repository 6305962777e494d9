from __future__ import annotations

import pytest
from django.utils import timezone

from documents import links
from tests.conftest import require_redis
from tests.factories import GuardianFactory, ParticipantFactory, StudentFactory, TripFactory


@pytest.fixture
def redis_cache():
    """Upload pages count requests in the shared Redis cache; pure tests do without it."""
    require_redis()


@pytest.fixture
def trip(school, teacher):
    trip = TripFactory(school=school, organiser=teacher)
    trip.collecting_since = timezone.now()
    trip.save()
    return trip


@pytest.fixture
def participant(trip):
    student = StudentFactory(school=trip.school, name="山田 太郎", kana="やまだ たろう")
    GuardianFactory(school=trip.school, email="parent@example.jp").students.add(student)
    return ParticipantFactory(trip=trip, student=student)


@pytest.fixture
def token(participant):
    return links.token_for(links.issue(participant))


@pytest.fixture
def upload_url(token):
    return f"/u/{token}/"
