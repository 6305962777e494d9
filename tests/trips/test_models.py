from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import TripFactory, member
from trips.forms import TripForm
from trips.models import PurgeState, Trip, TripStatus
from trips.services import teachers_of

D = datetime.date


def form_data(teacher, **overrides):
    data = {
        "title": "修学旅行",
        "kind": "school_trip",
        "destination": "京都",
        "start_date": "2027-05-10",
        "end_date": "2027-05-12",
        "organiser": teacher.pk,
        "contact_phone": "075-000-0000",
    }
    data.update(overrides)
    return data


def make_form(school, teacher, **overrides):
    trip = Trip(school=school, organiser=teacher)
    return TripForm(form_data(teacher, **overrides), instance=trip, teachers=teachers_of(school.pk))


def test_end_before_start_is_refused_by_the_form(school, teacher):
    form = make_form(school, teacher, start_date="2027-05-10", end_date="2027-05-09")
    assert not form.is_valid()
    assert "end_date" in form.errors


def test_one_day_trip_is_valid(school, teacher):
    assert make_form(school, teacher, start_date="2027-05-10", end_date="2027-05-10").is_valid()


def test_end_before_start_is_refused_by_the_database(school, teacher):
    with pytest.raises(IntegrityError), transaction.atomic():
        TripFactory(school=school, start_date=D(2027, 5, 10), end_date=D(2027, 5, 9))


def test_organiser_must_be_a_teacher_of_the_school(school, teacher, nurse, outsider):
    for user in (nurse, outsider):
        form = make_form(school, teacher, organiser=user.pk)
        assert not form.is_valid() and "organiser" in form.errors
    form = make_form(school, teacher, accompanying=[outsider.pk])
    assert not form.is_valid() and "accompanying" in form.errors


@pytest.mark.parametrize(
    "today,expected",
    [
        (D(2027, 3, 1), TripStatus.PREPARING),
        (D(2027, 3, 8), TripStatus.ONGOING),
        (D(2027, 3, 10), TripStatus.ONGOING),
        (D(2027, 3, 11), TripStatus.ENDED),
    ],
)
def test_status_follows_the_dates(school, today, expected):
    trip = TripFactory(school=school, start_date=D(2027, 3, 8), end_date=D(2027, 3, 10))
    assert trip.status_on(today) == expected


def test_status_follows_the_actions(school):
    trip = TripFactory(school=school, start_date=D(2027, 3, 8), end_date=D(2027, 3, 10))
    before = D(2027, 3, 1)
    trip.collecting_since = timezone.now()
    assert trip.status_on(before) == TripStatus.COLLECTING
    trip.locked_at = timezone.now()
    assert trip.status_on(before) == TripStatus.LOCKED
    trip.cancelled_at = timezone.now()
    assert trip.status_on(before) == TripStatus.CANCELLED
    assert trip.status_on(D(2027, 3, 20)) == TripStatus.CANCELLED
    trip.purge_state = PurgeState.PURGED
    assert trip.status_on(before) == TripStatus.PURGED


def test_guardian_changes_stop_at_the_lock_or_the_end(school):
    today = timezone.localdate()
    trip = TripFactory(school=school, start_date=today + datetime.timedelta(days=5))
    assert trip.accepts_guardian_changes
    trip.locked_at = timezone.now()
    assert not trip.accepts_guardian_changes
    # During the trip (not locked) a late family can still upload; after its end, never.
    ongoing = TripFactory(school=school, start_date=today, end_date=today)
    assert ongoing.accepts_guardian_changes
    ongoing.locked_at = timezone.now()
    assert not ongoing.accepts_guardian_changes
    ended = TripFactory(
        school=school,
        start_date=today - datetime.timedelta(days=3),
        end_date=today - datetime.timedelta(days=1),
    )
    assert not ended.accepts_guardian_changes
    cancelled = TripFactory(school=school, cancelled_at=timezone.now())
    assert not cancelled.accepts_guardian_changes


def test_purge_dates_after_the_trip_and_at_once_when_cancelled(school):
    trip = TripFactory(school=school, start_date=D(2027, 3, 8), end_date=D(2027, 3, 10))
    assert trip.purge_after == D(2027, 3, 13)
    assert trip.purge_due_at.isoformat() == "2027-03-14T00:00:00+09:00"
    trip.cancelled_at = timezone.now()
    assert trip.purge_due_at == trip.cancelled_at


def test_teachers_of_lists_only_that_schools_teachers(school, teacher, nurse, outsider):
    colleague = member(school, "teacher")
    assert set(teachers_of(school.pk)) == {teacher, colleague}
