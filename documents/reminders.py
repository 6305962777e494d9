"""Reminders to families that have not sent a usable document before the 提出期限.

"Missing" means nothing sent yet or the last document was rejected; a family that has a
document waiting, accepted, or declared the card is never reminded. The beat sweep sends one
automatic reminder per participant DEADLINE_REMINDER_DAYS before the deadline (a late run
catches up until the deadline itself); a teacher may also remind all missing families at once,
rate-limited per trip. The e-mail task checks the state again when it runs.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from schools.audit import record
from trips.models import Participant, ParticipantState, PurgeState, Trip, today_in_tokyo

from . import links, mail, ratelimit
from .models import Reminder

MISSING_STATES = (
    ParticipantState.NOT_REQUESTED,
    ParticipantState.LINK_SENT,
    ParticipantState.REJECTED,
)
# A teacher's "remind all" at most once per trip in this window (limit, seconds).
MANUAL_PER_TRIP = (1, 3600)


class TooSoon(Exception):
    """The trip's families were reminded a moment ago (or the rate-limit cache is down)."""


def missing_participants(trip: Trip):
    """Participants of the trip whose family has an e-mail address and nothing usable sent."""
    return (
        Participant.objects.filter(trip=trip, state__in=MISSING_STATES)
        .filter(student__guardians__email__gt="")
        .distinct()
    )


def trips_due(today: datetime.date) -> list[Trip]:
    """Open trips whose reminder day has come and whose deadline has not passed."""
    days = settings.DEADLINE_REMINDER_DAYS
    candidates = Trip.objects.filter(
        collection_deadline__isnull=False,
        collection_deadline__gte=today,
        collection_deadline__lte=today + datetime.timedelta(days=days),
        cancelled_at__isnull=True,
        locked_at__isnull=True,
        purge_state=PurgeState.ACTIVE,
    ).select_related("school")
    return [trip for trip in candidates if links.is_open(trip)]


def sweep(today: datetime.date | None = None) -> int:
    """Queue the automatic reminders that are due; returns how many were queued. Idempotent."""
    from .tasks import send_reminder  # noqa: PLC0415 (tasks imports this module)

    today = today or today_in_tokyo()
    queued = 0
    for trip in trips_due(today):
        already = Reminder.objects.filter(participant__trip=trip, automatic=True)
        for participant in missing_participants(trip).exclude(
            pk__in=already.values("participant_id")
        ):
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(participant=participant, automatic=True)
            except IntegrityError:  # a concurrent sweep got there first
                continue
            send_reminder.delay_on_commit(reminder_id=reminder.pk)
            queued += 1
        if queued:
            record("reminders_sent", school=trip.school_id, trip=trip.pk, count=queued)
    return queued


def remind_all(trip: Trip, actor) -> int:
    """A teacher's "remind all missing families"; raises TooSoon inside the rate limit."""
    from .tasks import send_reminder  # noqa: PLC0415 (tasks imports this module)

    key = f"trip:{trip.pk}"
    try:
        # One atomic increment: two clicks at once cannot both get through.
        too_soon = ratelimit.hit("remind", key, MANUAL_PER_TRIP)
    except ratelimit.Unavailable as exc:
        raise TooSoon from exc
    if too_soon:
        raise TooSoon
    reminders = [
        Reminder.objects.create(participant=participant, sent_by=actor)
        for participant in missing_participants(trip)
    ]
    for reminder in reminders:
        send_reminder.delay_on_commit(reminder_id=reminder.pk)
    record(
        "reminders_sent",
        actor=actor,
        role="teacher",
        school=trip.school_id,
        trip=trip.pk,
        count=len(reminders),
    )
    return len(reminders)


def send(reminder: Reminder) -> int:
    """The e-mail itself; nothing is sent if the family has sent a document since."""
    participant = (
        Participant.objects.select_related("trip__school", "student")
        .prefetch_related("student__guardians")
        .get(pk=reminder.participant_id)
    )
    trip = participant.trip
    if participant.state not in MISSING_STATES or not links.is_open(trip):
        return 0
    addresses = mail.guardian_addresses(participant)
    if not addresses:
        return 0
    link = links.ensure(participant)
    context = {
        "trip": trip,
        "student": participant.student,
        "url": links.url_for(link),
        "rejected": participant.state == ParticipantState.REJECTED,
    }
    return mail.deliver("reminder", context, addresses)
