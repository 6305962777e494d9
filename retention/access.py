"""Who may open which retention page and object: one helper per guarded object (DESIGN.md §3).

Each returns the object and the user's role, or refuses through `schools.access.refuse`: 404
for an object of another school (outsiders never learn it exists), 403 for a role that may not
do this, audited the same way as every other app's refusals.
"""

from __future__ import annotations

from packets.models import PaperCopy
from schools.access import BOARD_ROLE, board_school_ids, memberships, refuse, role_in, trip_role
from schools.models import Role, School
from trips.models import Trip

from .models import DeletionCertificate


def school_for(user, *roles: str, wanted: str = "") -> tuple[School, str]:
    """The school whose retention pages this user opens, and their role there.

    A member with one of `roles` gets their school (the middleware narrows a member of several
    schools to the one chosen); a board admin gets the board's school named by `wanted` (the
    ?school= of the page; 404 outside the board) or its first; anyone else 403.
    """
    for membership in memberships(user):
        if membership.role in roles:
            return membership.school, membership.role
    board_schools = board_school_ids(user)
    if not board_schools:
        refuse(user, "school", status=403)
    school_id = int(wanted) if wanted.isdigit() else board_schools[0]
    if school_id not in board_schools:
        refuse(user, "school", status=404)
    return School.objects.get(pk=school_id), BOARD_ROLE


def certificate_for(user, pk: int) -> tuple[DeletionCertificate, str]:
    """A deletion certificate for whoever may see its trip, or the trip's board admin."""
    certificate = DeletionCertificate.objects.select_related("trip__school").filter(pk=pk).first()
    if certificate is None:
        refuse(user, "certificate", status=404)
    role = trip_role(user, certificate.trip)
    if role is None and certificate.trip.school_id in board_school_ids(user):
        role = BOARD_ROLE
    if role is None:
        refuse(user, "certificate", status=404)
    return certificate, role


def paper_copy_for(user, pk: int) -> tuple[PaperCopy, str]:
    """A printed copy whose shredding its holder confirms: 404 outside its school, 403 for a
    colleague who does not hold it."""
    copy = PaperCopy.objects.select_related("trip").filter(pk=pk).first()
    role = role_in(user, copy.trip.school_id) if copy is not None else None
    if role is None:
        refuse(user, "paper_copy", status=404)
    if copy.holder_id != user.pk:
        refuse(user, "paper_copy", status=403)
    return copy, role


def member_role(user, kind: str) -> str:
    """Any member of a school (the paper-copy list shows each their own); 403 otherwise."""
    found = memberships(user)
    if not found:
        refuse(user, kind, status=403)
    return found[0].role


INCIDENT_ROLES = (Role.NURSE, Role.ADMIN)


def trip_for_incidents(user, trip_pk: int, *, write: bool = False) -> tuple[Trip, str]:
    """Incident notes: the nurse records and reads them, the admin sees their dates (403 on a
    write); the trip's teachers 403; outsiders 404."""
    trip = Trip.objects.visible_to(user).select_related("school").filter(pk=trip_pk).first()
    role = trip_role(user, trip) if trip is not None else None
    if role is None:
        refuse(user, "trip", status=404)
    if role not in INCIDENT_ROLES or (write and role != Role.NURSE):
        refuse(user, "incident", status=403)
    return trip, role


def is_operator(user) -> bool:
    """Who sees the operator status (issue: "login, admin role"): active site staff, and a
    school's admin (管理職), who answers for the purge running. The page holds site-wide counts
    and ages only (queues, overdue and failed purges, pending deletions, beat), never a name, a
    trip or a school, so it tells no board anything about another board's people."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return user.is_staff or any(m.role == Role.ADMIN for m in memberships(user))


def require_operator(user) -> None:
    if not is_operator(user):
        refuse(user, "status", status=403)
