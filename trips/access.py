"""Who may open which trip and participant: one helper per guarded object (DESIGN.md §3).

The role rules live in schools/access.py; these look the object up for this user, return it
with the user's role, and refuse through `schools.access.refuse` (404 for outsiders, 403 for a
reader attempting a write, audited the same way as every other app's refusals).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from schools import access
from schools.access import refuse
from schools.models import Role

from .models import Participant, Trip


def trip_for(user, pk: int, *, write: bool = False) -> tuple[Trip, str]:
    """The trip and the user's role if they may see it (404 otherwise); write=True: 403 for
    the roles that only read it (the nurse, the admin)."""
    trip = Trip.objects.visible_to(user).select_related("school", "organiser").filter(pk=pk).first()
    role = access.trip_role(user, trip) if trip is not None else None
    if role is None:
        refuse(user, "trip", status=404)
    if write and not access.can_change_trip(user, trip):
        refuse(user, "trip", status=403)
    return trip, role


def open_trip_for(user, pk: int) -> tuple[Trip, str]:
    """A trip its teacher may still change: a cancelled or purged trip answers 403.

    That 403 is the trip's state, not an access rule, so it is not audited as a refusal.
    """
    trip, role = trip_for(user, pk, write=True)
    if trip.is_closed:
        raise PermissionDenied
    return trip, role


def participants_for(user, trip: Trip) -> QuerySet[Participant]:
    """The participant list, for the roles that may see names (the admin sees counts only)."""
    if not access.can_see_participants(user, trip):
        refuse(user, "participant", status=403)
    return trip.participants.select_related("student")


def participant_for(user, trip: Trip, pk: int) -> Participant:
    """A participant of a trip the caller has already opened with `trip_for` (or the trip
    helper of another app); 404 for an id on another trip."""
    participant = trip.participants.select_related("student").filter(pk=pk).first()
    if participant is None:
        refuse(user, "participant", status=404)
    return participant


def teacher_school_for(user) -> int:
    """The school where this teacher creates a trip: the one they act in (403 for other roles).

    A member of several schools acts through the one chosen this session (schools/middleware.py
    narrows the memberships), so there is at most one here.
    """
    schools = access.school_ids_with_role(user, Role.TEACHER)
    if not schools:
        refuse(user, "trip", status=403)
    return schools[0]
