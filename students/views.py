"""Roster screens: list, add, edit, deactivate, guardians, and the CSV import with a preview."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from schools import access, audit

from . import roster as roster_import_rules
from .access import guardian_for, roster_school_for, student_for
from .forms import GuardianForm, RosterFilterForm, RosterUploadForm, StudentForm
from .models import Guardian, Student

PAGE_SIZE = 100
# The confirm form's other fields (CSRF token, button) next to the payload.
PAYLOAD_HEADROOM = 4096


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    school, role = roster_school_for(request.user)
    filters = RosterFilterForm(request.GET or None)
    students = Student.objects.filter(school=school)
    if filters.is_valid():
        data = filters.cleaned_data
        if not data["inactive"]:
            students = students.filter(active=True)
        if data["grade"]:
            students = students.filter(grade=data["grade"])
        if data["class_name"]:
            students = students.filter(class_name=data["class_name"].strip())
        if data["q"]:
            students = students.search(data["q"].strip())
    else:
        students = students.filter(active=True)
    page = Paginator(
        students.prefetch_related(Prefetch("guardians", queryset=Guardian.objects.only("id"))),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "can_write": role in access.ROSTER_WRITE_ROLES,
        "classes": Student.objects.filter(school=school, active=True).classes(),
    }
    return render(request, "students/roster.html", context)


@login_required
def student_create(request: HttpRequest) -> HttpResponse:
    school, role = roster_school_for(request.user, write=True)
    form = StudentForm(request.POST or None, instance=Student(school=school), school=school)
    if request.method == "POST" and form.is_valid():
        student = form.save()
        audit.record("student_created", actor=request.user, role=role, obj=student, school=school)
        messages.success(request, _("生徒を追加しました。"))
        return redirect("students:edit", pk=student.pk)
    return render(request, "students/student_form.html", {"form": form, "student": None})


@login_required
def student_edit(request: HttpRequest, pk: int) -> HttpResponse:
    student, role = student_for(request.user, pk, write=True)
    form = StudentForm(request.POST or None, instance=student, school=student.school)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            "student_changed", actor=request.user, role=role, obj=student, school=student.school_id
        )
        messages.success(request, _("生徒の情報を更新しました。"))
        return redirect("students:roster")
    context = {
        "form": form,
        "student": student,
        "guardians": student.guardians.all(),
        "guardian_form": GuardianForm(),
    }
    return render(request, "students/student_form.html", context)


@login_required
@require_POST
def student_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    student, role = student_for(request.user, pk, write=True)
    # The same button re-activates: a student who left may come back.
    student.active = bool(request.POST.get("activate"))
    student.save(update_fields=["active"])
    action = "student_changed" if student.active else "student_deactivated"
    audit.record(action, actor=request.user, role=role, obj=student, school=student.school_id)
    if student.active:
        messages.info(request, _("生徒を有効に戻しました。"))
    else:
        messages.info(request, _("生徒を無効にしました。新しい旅行には追加されません。"))
    return redirect("students:roster")


@login_required
@require_POST
def guardian_add(request: HttpRequest, pk: int) -> HttpResponse:
    student, role = student_for(request.user, pk, write=True)
    form = GuardianForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, error[0])
        return redirect("students:edit", pk=student.pk)
    email = form.cleaned_data["email"]
    if email:
        # Siblings share a guardian: reuse the school's guardian with the same e-mail.
        guardian = Guardian.objects.get_or_create_for_email(
            student.school,
            email,
            name=form.cleaned_data["name"],
            phone=form.cleaned_data["phone"],
        )
    else:
        guardian = form.save(commit=False)
        guardian.school = student.school
        guardian.save()
    guardian.students.add(student)
    audit.record(
        "student_changed",
        actor=request.user,
        role=role,
        obj=student,
        school=student.school_id,
        kind="guardian_added",
    )
    messages.success(request, _("保護者を登録しました。"))
    return redirect("students:edit", pk=student.pk)


@login_required
@require_POST
def guardian_remove(request: HttpRequest, pk: int, guardian_pk: int) -> HttpResponse:
    student, role = student_for(request.user, pk, write=True)
    guardian = guardian_for(request.user, student, guardian_pk)
    guardian.students.remove(student)
    if not guardian.students.exists():
        guardian.delete()  # a guardian with no child on the roster is no longer needed
    audit.record(
        "student_changed",
        actor=request.user,
        role=role,
        obj=student,
        school=student.school_id,
        kind="guardian_removed",
    )
    messages.info(request, _("保護者の登録を外しました。"))
    return redirect("students:edit", pk=student.pk)


@login_required
@sensitive_post_parameters("payload")
def roster_import(request: HttpRequest) -> HttpResponse:
    """Upload, preview, confirm. The previewed bytes travel back in the form, not the session,
    so no roster sits on the server between the two steps; they are checked again on confirm."""
    school, role = roster_school_for(request.user, write=True)
    form = RosterUploadForm()
    context: dict = {"form": form}
    if request.method == "POST":
        data = None
        if "payload" in request.POST:
            try:
                data = base64.b64decode(request.POST["payload"], altchars=b"-_", validate=True)
            except (binascii.Error, ValueError):
                data = b""
        else:
            form = RosterUploadForm(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                data = form.cleaned_data["file"].read()
        if data is not None:
            parsed = roster_import_rules.parse_roster(data, school)
            if not parsed.ok:
                audit.record(
                    "roster_imported",
                    actor=request.user,
                    role=role,
                    school=school,
                    method="screen",
                    status="refused",
                    count=len(parsed.problems),
                )
                context["problems"] = parsed.problems
            elif request.POST.get("confirm"):
                try:
                    result = roster_import_rules.apply_roster(parsed, school)
                except roster_import_rules.RosterConflict:
                    message = roster_import_rules.RosterConflict.message
                    context["problems"] = [roster_import_rules.Problem(0, "", message)]
                    return render(request, "students/roster_import.html", context)
                audit.record(
                    "roster_imported",
                    actor=request.user,
                    role=role,
                    school=school,
                    method="screen",
                    status="done",
                    added=result.added,
                    updated=result.updated,
                )
                messages.success(
                    request,
                    _("名簿を取り込みました：追加 %(added)d人、更新 %(updated)d人。")
                    % {"added": result.added, "updated": result.updated},
                )
                return redirect("students:roster")
            else:
                # URL-safe: a browser posts "+" and "/" as three bytes each, "-" and "_" as one.
                payload = base64.urlsafe_b64encode(data).decode("ascii")
                if len(payload) + PAYLOAD_HEADROOM > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                    # roster.MAX_BYTES is chosen to fit; this only guards a lowered setting.
                    reason = _(
                        "ファイルが大きすぎます。いくつかのファイルに分けて取り込んでください。"
                    )
                    context["problems"] = [roster_import_rules.Problem(0, "", reason)]
                else:
                    context.update(
                        parsed=parsed,
                        payload=payload,
                        changed=[r for r in parsed.to_update if r.changes],
                    )
    return render(request, "students/roster_import.html", context)
