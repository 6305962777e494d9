"""Trip set-up rules as plain functions: participants, groups, dates, lock and cancel.

Views check access (trips/access.py), call one of these and render; every change is audited
with ids and counts only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schools import audit
from schools.models import Role
from students.models import Student

from .models import Participant, ParticipantState, Trip, today_in_tokyo

# The participant's document is in the vault (a rejected one stays until replaced or purged).
DOCUMENT_HELD_STATES = frozenset(
    {ParticipantState.UPLOADED, ParticipantState.ACCEPTED, ParticipantState.REJECTED}
)


class StateError(ValueError):
    pass


def _record_trip_event(action: str, trip: Trip, actor, **details) -> None:
    """Trip changes are the trip teachers' acts; the event names ids and codes only."""
    audit.record(
        action,
        actor=actor,
        role=Role.TEACHER,
        obj=trip,
        school=trip.school_id,
        trip=trip,
        **details,
    )


def teachers_of(school_id: int) -> QuerySet:
    return (
        get_user_model()
        .objects.filter(memberships__school_id=school_id, memberships__role=Role.TEACHER)
        .order_by("last_name", "first_name", "username")
    )


def create_trip(trip: Trip, accompanying: Iterable, *, actor) -> Trip:
    with transaction.atomic():
        trip.save()
        trip.accompanying.set(accompanying)
        _record_trip_event("trip_created", trip, actor)
    return trip


def dates_frozen(trip: Trip, *, today: datetime.date | None = None) -> bool:
    """Whether the trip's dates may only move earlier: it has begun, or documents are held.

    Storage limitation (DESIGN.md §1, §3): documents are kept through the trip's end and the
    school's grace days, never longer. Moving the dates later once documents are held (or once
    the trip has begun, which would also reopen it to guardians) would stretch that at will;
    moving them earlier only shortens it. A postponed trip is cancelled and created again.
    """
    today = today or today_in_tokyo()
    if today >= trip.start_date:
        return True
    return trip.participants.filter(state__in=DOCUMENT_HELD_STATES).exists()


def date_change_refusal(trip: Trip, start: datetime.date, end: datetime.date) -> str | None:
    """Why the stored trip may not take these dates (a message for the teacher), or None."""
    if start <= trip.start_date and end <= trip.end_date:
        return None
    if not dates_frozen(trip):
        return None
    return _(
        "開始後の旅行や書類を保管中の旅行は、日程を後ろにずらせません（前にずらすことはできます）。"
        "延期する場合は、この旅行を中止して（書類は削除されます）新しい旅行を作成してください。"
    )


def change_trip(trip: Trip, accompanying: Iterable, *, actor) -> Trip:
    """Save a changed trip; dates are checked again against the stored row (StateError).

    The audit event carries the purge date after the change, and kind=dates when they moved.
    """
    with transaction.atomic():
        stored = Trip.objects.select_for_update().get(pk=trip.pk)
        moved = (trip.start_date, trip.end_date) != (stored.start_date, stored.end_date)
        if moved:
            refusal = date_change_refusal(stored, trip.start_date, trip.end_date)
            if refusal:
                raise StateError(refusal)
        trip.save()
        trip.accompanying.set(accompanying)
        details = {"kind": "dates"} if moved else {}
        _record_trip_event("trip_changed", trip, actor, date=trip.purge_after, **details)
    return trip


def lock(trip: Trip, *, actor) -> None:
    """No more guardian uploads, replacements or withdrawals; reviews may still finish."""
    if trip.locked_at is None:
        trip.locked_at = timezone.now()
        trip.save(update_fields=["locked_at"])
        _record_trip_event("trip_locked", trip, actor)


def unlock(trip: Trip, *, actor) -> None:
    if trip.locked_at is not None and not trip.is_closed:
        trip.locked_at = None
        trip.save(update_fields=["locked_at"])
        _record_trip_event("trip_unlocked", trip, actor)


def cancel(trip: Trip, *, actor) -> None:
    """Cancelling makes the purge due at once (Trip.purge_due_at); retention/ does the purge."""
    if trip.cancelled_at is None:
        trip.cancelled_at = timezone.now()
        trip.save(update_fields=["cancelled_at"])
        _record_trip_event("trip_cancelled", trip, actor)


def mark_collecting(trip: Trip) -> None:
    """Called when the first invitation goes out (documents/); idempotent."""
    if trip.collecting_since is None:
        Trip.objects.filter(pk=trip.pk, collecting_since=None).update(
            collecting_since=timezone.now()
        )
        trip.refresh_from_db(fields=["collecting_since"])


def students_available(trip: Trip) -> QuerySet[Student]:
    """Active students of the trip's school who are not on it yet."""
    return Student.objects.filter(school_id=trip.school_id, active=True).exclude(
        participations__trip=trip
    )


def add_participants(trip: Trip, students: Iterable[Student], *, actor) -> int:
    """Add students of the trip's school; those already on it are skipped. Returns how many."""
    if trip.is_closed:
        raise StateError("a cancelled or purged trip takes no participants")
    ids = {s.pk for s in students if s.school_id == trip.school_id and s.active}
    already = set(trip.participants.filter(student_id__in=ids).values_list("student_id", flat=True))
    new = [Participant(trip=trip, student_id=pk) for pk in sorted(ids - already)]
    with transaction.atomic():
        Participant.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        if new:
            audit.record(
                "participants_added",
                actor=actor,
                role=Role.TEACHER,
                school=trip.school_id,
                trip=trip,
                count=len(new),
            )
    return len(new)


def add_class(trip: Trip, grade: int, class_name: str, *, actor) -> int:
    students = students_available(trip).filter(grade=grade, class_name=class_name)
    return add_participants(trip, students, actor=actor)


def remove_participant(participant: Participant, *, actor) -> None:
    """Remove a student from the trip.

    Their documents and upload links are deleted first, vault files after the commit, by the
    documents app's `pre_delete` receiver (documents/signals.py): trips never imports documents.
    """
    trip = participant.trip
    if trip.is_closed:
        raise StateError("a cancelled or purged trip keeps its list")
    with transaction.atomic():
        audit.record(
            "participant_removed",
            actor=actor,
            role=Role.TEACHER,
            obj=participant,
            school=trip.school_id,
            trip=trip,
        )
        participant.delete()


def assign_groups(trip: Trip, groups: dict[int, str], *, actor) -> int:
    """Set each participant's group (班) name; returns how many changed."""
    changed = []
    for participant in trip.participants.filter(pk__in=groups):
        name = " ".join(groups[participant.pk].split())[:50]
        if participant.group_name != name:
            participant.group_name = name
            changed.append(participant)
    with transaction.atomic():
        Participant.objects.bulk_update(changed, ["group_name"], batch_size=500)
        if changed:
            group_count = len({p.group_name for p in changed if p.group_name})
            audit.record(
                "groups_assigned",
                actor=actor,
                role=Role.TEACHER,
                school=trip.school_id,
                trip=trip,
                count=len(changed),
                group_count=group_count,
            )
    return len(changed)


def progress(trip: Trip) -> dict[str, int]:
    """Counts by state, from `Trip.objects.with_progress()` annotations (no query here)."""
    counts = {state: getattr(trip, f"n_{state}", 0) or 0 for state in ParticipantState.values}
    counts["total"] = getattr(trip, "n_participants", 0) or 0
    counts["missing"] = counts[ParticipantState.NOT_REQUESTED] + counts[ParticipantState.LINK_SENT]
    return counts
