"""Who may see what: the one place the role rules live (DESIGN.md §3 "Access").

Higher floors narrow their querysets with these helpers (e.g. `Trip.objects.visible_to(user)`)
and turn a miss into 404, so outsiders never learn that an object exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

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


def role_in(user, school: School | int) -> str | None:
    school_id = getattr(school, "pk", school)
    for membership in memberships(user):
        if membership.school_id == school_id:
            return membership.role
    return None


def school_ids_with_role(user, *roles: str) -> list[int]:
    return [m.school_id for m in memberships(user) if not roles or m.role in roles]


def primary_membership(user) -> Membership | None:
    found = memberships(user)
    return found[0] if found else None


def can_read_documents(user, school: School | int) -> bool:
    """Teachers and nurses may open documents; admins see metadata only (403 on contents)."""
    return role_in(user, school) in {Role.TEACHER, Role.NURSE}


def require_role(user, school: School | int, *roles: str) -> str:
    """The user's role at this school if it is one of `roles`; 403 otherwise."""
    role = role_in(user, school)
    if role is None or role not in roles:
        raise PermissionDenied
    return role
