"""Trip dates: a sane range and length, purge dates that never break a page, and no moving a
trip later once it has begun or holds documents (storage limitation, DESIGN.md §1)."""

from __future__ import annotations

import contextlib
import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from schools.models import AuditEvent
from tests.factories import ParticipantFactory, TripFactory
from trips import services
from trips.forms import TripForm
from trips.models import MAX_TRIP_DAYS, ParticipantState, Trip

D = datetime.date
DAY = datetime.timedelta(days=1)


@contextlib.contextmanager
def unchecked_trip_dates():
    """Store dates the range constraint refuses, as rows saved before it existed."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        else:
            # Rolled back with the test's transaction. The fixtures' deferred foreign-key
            # checks must run first: PostgreSQL refuses ALTER TABLE with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE trips_trip DROP CONSTRAINT trip_dates_in_range")
            yield


def form_for(trip, teacher, start, end) -> TripForm:
    data = {
        "title": trip.title or "修学旅行",
        "kind": "school_trip",
        "start_date": start.isoformat() if isinstance(start, D) else start,
        "end_date": end.isoformat() if isinstance(end, D) else end,
        "organiser": teacher.pk,
    }
    return TripForm(data, instance=trip, teachers=services.teachers_of(trip.school_id))


def edit(client, trip, teacher, start, end):
    return client.post(
        reverse("trips:edit", args=[trip.pk]),
        {
            "title": trip.title,
            "kind": trip.kind,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "organiser": teacher.pk,
        },
    )


# --- range and length -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,end",
    [
        ("2027-05-10", "9999-12-31"),
        ("1999-12-31", "2000-01-02"),
        ("2100-12-30", "2101-01-01"),
        ("0205-05-10", "0205-05-12"),
    ],
)
def test_dates_outside_2000_to_2100_are_refused_by_the_form(school, teacher, start, end):
    form = form_for(Trip(school=school, organiser=teacher), teacher, start, end)
    assert not form.is_valid()
    assert "2000年1月1日から2100年12月31日まで" in str(form.errors)


def test_a_trip_lasts_at_most_31_days(school, teacher):
    start = D(2027, 7, 1)
    longest = start + (MAX_TRIP_DAYS - 1) * DAY
    assert MAX_TRIP_DAYS == 31 and longest == D(2027, 7, 31)
    assert form_for(Trip(school=school, organiser=teacher), teacher, start, longest).is_valid()
    form = form_for(Trip(school=school, organiser=teacher), teacher, start, longest + DAY)
    assert not form.is_valid()
    assert form.errors["end_date"] == ["旅行の期間は31日までです。"]


def test_dates_outside_the_range_are_refused_by_the_database(school):
    with pytest.raises(IntegrityError), transaction.atomic():
        TripFactory(school=school, start_date=D(2027, 5, 10), end_date=D(9999, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        TripFactory(school=school, start_date=D(1999, 12, 31), end_date=D(2000, 1, 1))


def test_purge_dates_never_raise_for_the_last_date(school):
    trip = Trip(school=school, start_date=D(9999, 12, 1), end_date=D.max)
    assert trip.purge_after == D.max
    assert trip.purge_due_at.date() == D.max
    assert trip.status_on(D(2027, 1, 1)) == "preparing"


def test_a_stored_far_future_trip_breaks_no_page(client, school, teacher, school_admin):
    trip = TripFactory(school=school, organiser=teacher)
    with unchecked_trip_dates():
        Trip.objects.filter(pk=trip.pk).update(end_date=D(9999, 12, 31))
    trip.refresh_from_db()
    assert trip.end_date == D(9999, 12, 31)
    client.force_login(teacher)
    assert client.get(reverse("trips:dashboard")).status_code == 200
    assert client.get(reverse("trips:detail", args=[trip.pk])).status_code == 200
    client.force_login(school_admin)
    assert client.get(reverse("retention:dashboard")).status_code == 200


# --- moving dates -----------------------------------------------------------------------------


@pytest.fixture
def today():
    return timezone.localdate()


def test_an_ended_trip_cannot_be_moved_later(client, school, teacher, today):
    trip = TripFactory(
        school=school, organiser=teacher, start_date=today - 5 * DAY, end_date=today - 3 * DAY
    )
    purge_after = trip.purge_after
    client.force_login(teacher)
    response = edit(client, trip, teacher, trip.start_date, today + 20 * DAY)
    assert response.status_code == 200
    assert "日程を後ろにずらせません" in response.content.decode()
    trip.refresh_from_db()
    assert trip.end_date == today - 3 * DAY and trip.purge_after == purge_after
    assert trip.status == "ended"
    assert not AuditEvent.objects.filter(action="trip_changed").exists()


def test_an_ongoing_trip_cannot_move_its_start_later_but_may_end_earlier(
    client, school, teacher, today
):
    trip = TripFactory(school=school, organiser=teacher, start_date=today, end_date=today + 2 * DAY)
    client.force_login(teacher)
    response = edit(client, trip, teacher, today + DAY, today + 2 * DAY)
    assert response.status_code == 200 and "日程を後ろにずらせません" in response.content.decode()
    response = edit(client, trip, teacher, today, today + DAY)
    assert response.status_code == 302
    trip.refresh_from_db()
    assert trip.end_date == today + DAY


@pytest.mark.parametrize(
    "state", [ParticipantState.UPLOADED, ParticipantState.ACCEPTED, ParticipantState.REJECTED]
)
def test_a_trip_holding_documents_cannot_be_moved_later(client, school, teacher, today, state):
    trip = TripFactory(school=school, organiser=teacher)
    ParticipantFactory(trip=trip, state=state)
    client.force_login(teacher)
    page = client.get(reverse("trips:edit", args=[trip.pk])).content.decode()
    assert "日程は前にだけずらせます" in page
    later = edit(client, trip, teacher, trip.start_date + DAY, trip.end_date + DAY)
    assert later.status_code == 200 and "日程を後ろにずらせません" in later.content.decode()
    earlier = edit(client, trip, teacher, trip.start_date - DAY, trip.end_date - DAY)
    assert earlier.status_code == 302


def test_before_the_start_without_documents_dates_move_freely_and_are_audited(
    client, school, teacher, today
):
    trip = TripFactory(school=school, organiser=teacher)
    ParticipantFactory(trip=trip, state=ParticipantState.CARD_CARRIED)
    ParticipantFactory(trip=trip, state=ParticipantState.LINK_SENT)
    start, end = trip.start_date + 10 * DAY, trip.start_date + 13 * DAY
    client.force_login(teacher)
    assert edit(client, trip, teacher, start, end).status_code == 302
    trip.refresh_from_db()
    assert (trip.start_date, trip.end_date) == (start, end)
    event = AuditEvent.objects.get(action="trip_changed", trip_id=trip.pk)
    assert event.details == {"kind": "dates", "date": trip.purge_after.isoformat()}


def test_other_changes_are_audited_with_the_purge_date_only(client, school, teacher, today):
    trip = TripFactory(school=school, organiser=teacher, start_date=today, end_date=today)
    client.force_login(teacher)
    response = client.post(
        reverse("trips:edit", args=[trip.pk]),
        {
            "title": "新しい名前",
            "kind": trip.kind,
            "start_date": trip.start_date.isoformat(),
            "end_date": trip.end_date.isoformat(),
            "organiser": teacher.pk,
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="trip_changed", trip_id=trip.pk)
    assert event.details == {"date": trip.purge_after.isoformat()}


def test_change_trip_checks_the_stored_dates_again(school, teacher, today):
    trip = TripFactory(school=school, organiser=teacher)
    form = form_for(trip, teacher, trip.start_date, trip.end_date + 5 * DAY)
    assert form.is_valid()
    # A guardian uploads between the form check and the save.
    ParticipantFactory(trip=trip, state=ParticipantState.UPLOADED)
    with pytest.raises(services.StateError):
        services.change_trip(form.save(commit=False), [], actor=teacher)
    stored = Trip.objects.get(pk=trip.pk)
    assert stored.end_date == trip.start_date + 2 * DAY


def test_dates_frozen_follows_the_start_and_the_documents(school, today):
    trip = TripFactory(school=school, start_date=today + DAY, end_date=today + 3 * DAY)
    assert not services.dates_frozen(trip)
    assert services.dates_frozen(trip, today=today + DAY)
    participant = ParticipantFactory(trip=trip, state=ParticipantState.ACCEPTED)
    assert services.dates_frozen(trip)
    participant.state = ParticipantState.CARD_CARRIED
    participant.save()
    assert not services.dates_frozen(trip)
