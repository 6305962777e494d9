"""Review by the trip's teachers and the nurse: accept, or reject with a reason for the guardian."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from schools.audit import record
from schools.errors import CodedError
from trips.models import ParticipantState, PurgeState, Trip

from .models import Document, ReviewState
from .tasks import send_rejection


class ReviewRefused(CodedError):
    """A review that cannot happen: `gone` (replaced or withdrawn meanwhile) or `closed`."""


def _decide(document: Document, user, state: str, reason: str = "", *, role: str) -> Document:
    with transaction.atomic():
        # The lock the guardian's replacement and withdrawal take (documents/intake.py): the
        # document is either still there after it, or gone and the reviewer is told so.
        trip = Trip.objects.select_for_update().get(pk=document.participant.trip_id)
        if trip.is_closed or trip.purge_state != PurgeState.ACTIVE:
            raise ReviewRefused("closed")
        if not Document.objects.filter(pk=document.pk).exists():
            raise ReviewRefused("gone")
        document.review_state = state
        document.reject_reason = reason
        document.reviewed_by = user
        document.reviewed_at = timezone.now()
        document.save(update_fields=["review_state", "reject_reason", "reviewed_by", "reviewed_at"])
        participant = document.participant
        accepted = state == ReviewState.ACCEPTED
        participant.state = ParticipantState.ACCEPTED if accepted else ParticipantState.REJECTED
        participant.save(update_fields=["state"])
        record(
            "document_accepted" if accepted else "document_rejected",
            actor=user,
            role=role,
            obj=document,
            school=trip.school_id,
            trip=trip.pk,
            kind=document.kind,
        )
    return document


def accept_document(document: Document, user, *, role: str = "") -> Document:
    """Raises ReviewRefused when the document is gone or the trip closed."""
    return _decide(document, user, ReviewState.ACCEPTED, role=role)


def reject_document(document: Document, user, reason: str, *, role: str = "") -> Document:
    """The reason goes to the guardian by e-mail and on the upload page, never to the audit."""
    with transaction.atomic():
        _decide(document, user, ReviewState.REJECTED, reason.strip(), role=role)
        send_rejection.delay_on_commit(document_id=document.pk)
    return document
