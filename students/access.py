"""Who may read or keep which roster: one helper per guarded object (DESIGN.md §3).

Teachers keep their school's roster; the nurse and the admin read the list. Each helper returns
the object and the user's role, or refuses through `schools.access.refuse` (audited the same way
as every other app's refusals).
"""

from __future__ import annotations

from schools import access
from schools.access import refuse
from schools.models import School

from .models import Guardian, Student


def roster_school_for(user, *, write: bool = False) -> tuple[School, str]:
    """The school whose roster this user reads (or keeps, write=True); 403 for other roles.

    A member of several schools acts through the one chosen this session (the middleware
    narrows the memberships), so the first match is the only one.
    """
    ids = access.roster_school_ids(user, write=write)
    if not ids:
        refuse(user, "roster", status=403)
    school = next(m.school for m in access.memberships(user) if m.school_id == ids[0])
    return school, access.role_in(user, school)


def student_for(user, pk: int, *, write: bool = False) -> tuple[Student, str]:
    """The student if they are on a roster this user may read (or keep); 404 otherwise."""
    ids = access.roster_school_ids(user, write=write)
    student = Student.objects.filter(pk=pk, school_id__in=ids).first()
    if student is None:
        refuse(user, "student", status=404)
    return student, access.role_in(user, student.school_id)


def guardian_for(user, student: Student, pk: int) -> Guardian:
    """One of this student's guardians (the student opened with `student_for`); 404 otherwise."""
    guardian = student.guardians.filter(pk=pk).first()
    if guardian is None:
        refuse(user, "guardian", status=404)
    return guardian
