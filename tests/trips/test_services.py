from __future__ import annotations

import pytest

from schools.models import AuditEvent
from tests.factories import ParticipantFactory, StudentFactory, TripFactory
from trips import services
from trips.models import Participant, ParticipantState
from trips.services import StateError

S = ParticipantState


@pytest.fixture
def trip(school, teacher):
    return TripFactory(school=school, organiser=teacher)


def test_add_class_adds_active_students_of_that_class_once(trip, teacher):
    school = trip.school
    in_class = [StudentFactory(school=school, grade=2, class_name="3") for _ in range(4)]
    StudentFactory(school=school, grade=2, class_name="3", active=False)
    StudentFactory(school=school, grade=2, class_name="4")
    StudentFactory(grade=2, class_name="3")  # another school
    assert services.add_class(trip, 2, "3", actor=teacher) == 4
    assert services.add_class(trip, 2, "3", actor=teacher) == 0
    assert {p.student for p in trip.participants.all()} == set(in_class)
    event = AuditEvent.objects.get(action="participants_added")
    assert event.details == {"count": 4} and event.trip_id == trip.pk


def test_add_participants_ignores_other_schools_students(trip, teacher):
    mine, foreign = StudentFactory(school=trip.school), StudentFactory()
    assert services.add_participants(trip, [mine, foreign], actor=teacher) == 1
    assert list(trip.participants.values_list("student", flat=True)) == [mine.pk]


def test_cancelled_trip_takes_no_participants(trip, teacher):
    services.cancel(trip, actor=teacher)
    with pytest.raises(StateError):
        services.add_participants(trip, [StudentFactory(school=trip.school)], actor=teacher)


def test_remove_participant_is_audited_without_names(trip, teacher):
    participant = ParticipantFactory(trip=trip)
    services.remove_participant(participant, actor=teacher)
    assert not Participant.objects.filter(pk=participant.pk).exists()
    event = AuditEvent.objects.get(action="participant_removed")
    assert participant.student.name not in str(event.details)


def test_assign_groups_counts_changes(trip, teacher):
    a, b, c = (ParticipantFactory(trip=trip, group_name="") for _ in range(3))
    changed = services.assign_groups(trip, {a.pk: " 1班 ", b.pk: "2班", c.pk: ""}, actor=teacher)
    assert changed == 2
    assert dict(trip.participants.values_list("pk", "group_name")) == {
        a.pk: "1班",
        b.pk: "2班",
        c.pk: "",
    }
    assert AuditEvent.objects.get(action="groups_assigned").details == {
        "count": 2,
        "group_count": 2,
    }


def test_assign_groups_ignores_participants_of_other_trips(trip, teacher):
    foreign = ParticipantFactory(group_name="")
    assert services.assign_groups(trip, {foreign.pk: "1班"}, actor=teacher) == 0
    foreign.refresh_from_db()
    assert foreign.group_name == ""


def test_lock_unlock_and_cancel_are_idempotent_and_audited(trip, teacher):
    services.lock(trip, actor=teacher)
    services.lock(trip, actor=teacher)
    assert trip.locked_at is not None
    services.unlock(trip, actor=teacher)
    assert trip.locked_at is None
    services.cancel(trip, actor=teacher)
    first = trip.cancelled_at
    services.cancel(trip, actor=teacher)
    assert trip.cancelled_at == first
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["trip_locked", "trip_unlocked", "trip_cancelled"]


def test_mark_collecting_sets_the_date_once(trip):
    services.mark_collecting(trip)
    first = trip.collecting_since
    assert first is not None
    services.mark_collecting(trip)
    assert trip.collecting_since == first


def test_progress_counts_each_state(trip):
    for state, n in [(S.ACCEPTED, 3), (S.UPLOADED, 2), (S.REJECTED, 1), (S.CARD_CARRIED, 1)]:
        for _ in range(n):
            ParticipantFactory(trip=trip, state=state)
    ParticipantFactory(trip=trip, state=S.LINK_SENT)
    ParticipantFactory(trip=trip)
    counted = type(trip).objects.with_progress().get(pk=trip.pk)
    progress = services.progress(counted)
    assert progress["total"] == 9
    assert (progress["accepted"], progress["uploaded"], progress["rejected"]) == (3, 2, 1)
    assert (progress["card_carried"], progress["missing"]) == (1, 2)
