from __future__ import annotations

import pytest
from django.utils import timezone

from documents import intake
from tests.conftest import require_redis
from tests.documents import files
from tests.factories import ParticipantFactory, StudentFactory, TripFactory


@pytest.fixture(autouse=True)
def _redis():
    require_redis()


@pytest.fixture
def trip(school, teacher):
    trip = TripFactory(school=school, organiser=teacher, title="京都研修")
    trip.collecting_since = timezone.now()
    trip.save()
    return trip


@pytest.fixture
def participant(trip):
    student = StudentFactory(school=trip.school, name="佐藤 花子", kana="さとう はなこ")
    return ParticipantFactory(trip=trip, student=student)


@pytest.fixture
def document(participant):
    return intake.accept(participant, "portal_pdf", files.blank_pdf(1))
