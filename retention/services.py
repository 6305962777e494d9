"""The retention app's own writes: a holder confirms a paper copy shredded, a nurse records an
incident. Each is one transaction with its content-free audit event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from packets.models import PaperCopy
from schools.audit import record

from .models import IncidentNote


def confirm_shredded(copy: PaperCopy, *, actor, role: str) -> bool:
    """Record that the holder shredded this copy; False if it was already confirmed."""
    with transaction.atomic():
        # Only the first confirmation counts: a double submit writes no second event.
        confirmed = (
            PaperCopy.objects.outstanding()
            .filter(pk=copy.pk)
            .update(shredded_at=timezone.now(), shredded_confirmed_by=actor)
        )
        if not confirmed:
            return False
        copy.refresh_from_db(fields=["shredded_at", "shredded_confirmed_by"])
        record(
            "paper_copy_shredded",
            actor=actor,
            role=role,
            obj=copy,
            school=copy.trip.school_id,
            trip=copy.trip_id,
            copy_number=copy.copy_number,
        )
    return True


def record_incident(note: IncidentNote, *, actor, role: str) -> IncidentNote:
    """Save a nurse's or teacher's incident note with its author and its audit event (the date
    only: what happened is health information and stays out of the trail)."""
    with transaction.atomic():
        note.created_by = actor
        note.save()
        trip = note.participant.trip
        record(
            "incident_recorded", actor=actor, role=role, obj=note,
            school=trip.school_id, trip=trip, date=note.date,
        )  # fmt: skip
    return note
