"""Review by the trip's teachers and the nurse: accept, or reject with a reason for the guardian."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from schools.audit import record
from trips.models import ParticipantState

from .models import Document, ReviewState


def _decide(document: Document, user, state: str, reason: str = "") -> Document:
    with transaction.atomic():
        document.review_state = state
        document.reject_reason = reason
        document.reviewed_by = user
        document.reviewed_at = timezone.now()
        document.save(update_fields=["review_state", "reject_reason", "reviewed_by", "reviewed_at"])
        participant = document.participant
        participant.state = (
            ParticipantState.ACCEPTED
            if state == ReviewState.ACCEPTED
            else ParticipantState.REJECTED
        )
        participant.save(update_fields=["state"])
    return document


def accept_document(document: Document, user, *, role: str = "") -> Document:
    _decide(document, user, ReviewState.ACCEPTED)
    record(
        "document_accepted",
        actor=user,
        role=role,
        obj=document,
        school=document.participant.trip.school_id,
        trip=document.participant.trip_id,
        kind=document.kind,
    )
    return document


def reject_document(document: Document, user, reason: str, *, role: str = "") -> Document:
    """The reason goes to the guardian by e-mail and on the upload page, never to the audit."""
    from .tasks import send_rejection

    with transaction.atomic():
        _decide(document, user, ReviewState.REJECTED, reason.strip())
        record(
            "document_rejected",
            actor=user,
            role=role,
            obj=document,
            school=document.participant.trip.school_id,
            trip=document.participant.trip_id,
            kind=document.kind,
        )
        send_rejection.delay_on_commit(document_id=document.pk)
    return document
