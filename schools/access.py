"""Who may see what: the one place the role rules live (DESIGN.md §3 "Access").

Higher floors narrow their querysets with these helpers (e.g. `Trip.objects.visible_to(user)`)
and turn a miss into 404, so outsiders never learn that an object exists.
"""

from __future__ import annotations

from typing import NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from . import audit
from .models import Membership, Role, School


def memberships(user) -> list[Membership]:
    """The user's memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_schooltrips_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("school"))
        user._schooltrips_memberships = cached
    return cached


def narrow_memberships(user, chosen: list[Membership]) -> None:
    """For this request the user acts only through `chosen` (the school picked in the session)."""
    user._schooltrips_memberships = chosen


# A board admin's role in the audit trail (actor_role) and in the retention views.
BOARD_ROLE = "board"


def board_school_ids(user) -> list[int]:
    """Schools of the boards this user administers (metadata only: never documents)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_schooltrips_board_schools", None)
    if cached is None:
        cached = list(
            School.objects.filter(board__admins__user=user)
            .order_by("code")
            .values_list("pk", flat=True)
        )
        user._schooltrips_board_schools = cached
    return cached


def role_in(user, school: School | int) -> str | None:
    school_id = getattr(school, "pk", school)
    for membership in memberships(user):
        if membership.school_id == school_id:
            return membership.role
    return None


def school_ids_with_role(user, *roles: str) -> list[int]:
    return [m.school_id for m in memberships(user) if not roles or m.role in roles]


def primary_membership(user) -> Membership | None:
    """The membership the user acts through: their only one, or the school chosen this session.

    None for a member of several schools who has not chosen yet (schools/middleware.py).
    """
    found = memberships(user)
    return found[0] if len(found) == 1 else None


def refuse(user, kind: str, *, status: int) -> NoReturn:
    """Audit an access-rule refusal and raise it: 404 (the object stays unknown) or 403.

    Every app's `access.py` refuses through here, so each guarded object is refused the same
    way: one `access_denied` event naming who, their role and what kind of object; never which
    one (a guessed id must not land in the trail).
    """
    if status not in (403, 404):
        raise ValueError(f"an access refusal is 403 or 404, not {status}")
    membership = primary_membership(user)
    audit.record(
        "access_denied",
        actor=user,
        role=membership.role if membership else "",
        school=membership.school_id if membership else None,
        kind=kind,
        status=str(status),
    )
    if status == 404:
        raise Http404
    raise PermissionDenied


# --- Trips (floor 1 narrows with these; the rules stay here, next to the roles).
# A teacher sees the trips they organise or accompany; the nurse and the admin see every trip of
# their school (the admin only its metadata: views decide what to show with `trip_role`).
TRIP_WIDE_ROLES = (Role.NURSE, Role.ADMIN)


def trip_visibility_q(user) -> Q:
    """A filter over Trip rows this user may see; no rows for anonymous or unknown users."""
    allowed = Q(pk__in=[])
    if not getattr(user, "is_authenticated", False):
        return allowed
    wide = school_ids_with_role(user, *TRIP_WIDE_ROLES)
    if wide:
        allowed |= Q(school_id__in=wide)
    teaching = school_ids_with_role(user, Role.TEACHER)
    if teaching:
        # A subquery, not a join: a join on `accompanying` would repeat trips in the list.
        own = Q(organiser_id=user.pk) | Q(pk__in=user.accompanied_trips.values("pk"))
        allowed |= Q(school_id__in=teaching) & own
    return allowed


def trip_role(user, trip) -> str | None:
    """The user's role for this trip, or None when they may not see it."""
    role = role_in(user, trip.school_id)
    if role in TRIP_WIDE_ROLES:
        return role
    if role == Role.TEACHER and is_trip_teacher(user, trip):
        return role
    return None


def is_trip_teacher(user, trip) -> bool:
    if trip.organiser_id == user.pk:
        return True
    return trip.accompanying.filter(pk=user.pk).exists()


def can_change_trip(user, trip) -> bool:
    """Only the trip's own teachers change it; the nurse and the admin read."""
    return role_in(user, trip.school_id) == Role.TEACHER and is_trip_teacher(user, trip)


def can_see_participants(user, trip) -> bool:
    """Names and document states: the trip's teachers and the nurse, not the admin."""
    return trip_role(user, trip) in {Role.TEACHER, Role.NURSE}


# --- Roster: teachers keep it; the nurse and the admin read the list. Guardians' contact
# details appear only on the pages that change them, so the admin (metadata only, DESIGN §3)
# never reads an e-mail address.
ROSTER_READ_ROLES = (Role.TEACHER, Role.NURSE, Role.ADMIN)
ROSTER_WRITE_ROLES = (Role.TEACHER,)


def roster_school_ids(user, *, write: bool = False) -> list[int]:
    return school_ids_with_role(user, *(ROSTER_WRITE_ROLES if write else ROSTER_READ_ROLES))
