"""Who may open what in documents: one helper per guarded object (DESIGN.md §3).

Each returns the object and the user's role, or refuses through `schools.access.refuse`: 404
for whoever may not know the object exists, 403 for the admin (metadata only, never contents),
audited the same way as every other app's refusals.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from schools.access import can_change_trip, refuse, trip_role
from schools.models import Role
from trips.access import participant_for
from trips.models import Participant, Trip

from . import links
from .models import Document

READ_ROLES = (Role.TEACHER, Role.NURSE)


def _reader_role(user, trip: Trip, kind: str) -> str:
    role = trip_role(user, trip)
    if role is None:
        refuse(user, kind, status=404)
    if role not in READ_ROLES:
        refuse(user, kind, status=403)
    return role


def trip_for_reviewer(user, trip_pk: int) -> tuple[Trip, str]:
    """The trip and the user's role; 404 if they may not see it, 403 for the admin role."""
    trip = Trip.objects.select_related("school").filter(pk=trip_pk).first()
    if trip is None:
        refuse(user, "trip", status=404)
    return trip, _reader_role(user, trip, "trip")


def trip_for_links(user, trip_pk: int, *, open_only: bool = True) -> tuple[Trip, str]:
    """Links and invitations are the trip's own teachers' job (the nurse reads: 403).

    open_only: links are issued only while they answer (links.is_open); otherwise 403, a state
    of the trip rather than an access rule, so not audited as a refusal. Revoking is always
    allowed (open_only=False).
    """
    trip, role = trip_for_reviewer(user, trip_pk)
    if not can_change_trip(user, trip):
        refuse(user, "trip", status=403)
    if open_only and not links.is_open(trip):
        raise PermissionDenied
    return trip, role


def participant_for_links(
    user, trip_pk: int, participant_pk: int, *, open_only: bool = True
) -> tuple[Participant, str]:
    """A participant whose link the trip's teacher reissues or revokes; 404 on another trip."""
    trip, role = trip_for_links(user, trip_pk, open_only=open_only)
    return participant_for(user, trip, participant_pk), role


def document_for_user(user, uuid) -> tuple[Document, str]:
    """A document for a teacher of its trip or the school's nurse; admin 403, others 404."""
    document = (
        Document.objects.select_related("participant__trip__school", "participant__student")
        .filter(uuid=uuid)
        .first()
    )
    if document is None:
        refuse(user, "document", status=404)
    return document, _reader_role(user, document.participant.trip, "document")
