"""Who may open what in documents: one helper per guarded object (404 for outsiders)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from schools.access import can_change_trip, trip_role
from schools.models import Role
from trips.models import Trip

from .models import Document

READ_ROLES = (Role.TEACHER, Role.NURSE)


def trip_for_reviewer(user, trip_pk: int) -> tuple[Trip, str]:
    """The trip and the user's role; 404 if they may not see it, 403 for the admin role."""
    trip = get_object_or_404(Trip.objects.select_related("school"), pk=trip_pk)
    role = trip_role(user, trip)
    if role is None:
        raise Http404
    if role not in READ_ROLES:
        raise PermissionDenied
    return trip, role


def trip_for_links(user, trip_pk: int) -> Trip:
    """Links and invitations are the trip's own teachers' job."""
    trip, _role = trip_for_reviewer(user, trip_pk)
    if not can_change_trip(user, trip):
        raise PermissionDenied
    return trip


def document_for_user(user, uuid) -> tuple[Document, str]:
    """A document for a teacher of its trip or the school's nurse; admin 403, others 404."""
    document = get_object_or_404(
        Document.objects.select_related("participant__trip__school", "participant__student"),
        uuid=uuid,
    )
    role = trip_role(user, document.participant.trip)
    if role is None:
        raise Http404
    if role not in READ_ROLES:
        raise PermissionDenied
    return document, role
