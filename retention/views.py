"""The admin's retention dashboard, audit log, certificates, paper copies and incident notes.

Thin views: access from retention/access.py, queries from retention/dashboard.py, writes from
retention/services.py. Nothing here reads a document.
"""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schools.access import BOARD_ROLE, board_school_ids, memberships
from schools.audit import action_label, object_type_label, record
from schools.models import Role, School
from schools.responses import private_file

from . import dashboard as queries
from . import services, status
from .access import (
    certificate_for,
    is_operator,
    member_role,
    paper_copy_for,
    require_operator,
    school_for,
    trip_for_incidents,
)
from .certificate import render_certificate
from .forms import AuditFilterForm, IncidentNoteForm, ShreddingForm

AUDIT_PAGE_SIZE = 100


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    school, role = school_for(
        request.user, Role.ADMIN, Role.NURSE, wanted=request.GET.get("school", "")
    )
    summary = queries.school_summary(school)
    context = {
        "school": school,
        "role": role,
        "trips": summary.trips,
        "sweep": summary.sweep,
        "overdue": summary.overdue,
        "copies_outstanding": summary.copies_outstanding,
        "files_pending": summary.files_pending,
        "board_schools": School.objects.filter(pk__in=board_school_ids(request.user))
        if role == BOARD_ROLE
        else [],
    }
    return render(request, "retention/dashboard.html", context)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    school, _role = school_for(request.user, Role.ADMIN, wanted=request.GET.get("school", ""))
    form = AuditFilterForm(request.GET or None, school=school)
    events = form.apply(queries.audit_events(school))
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    names = queries.usernames(page.object_list)
    for event in page.object_list:
        event.actor_name = names.get(event.actor_id, "")
        event.action_label = action_label(event.action)
        event.object_label = object_type_label(event.object_type)
        event.role_label = Role(event.actor_role).label if event.actor_role in Role.values else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "retention/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode(), "school": school},
    )


class _Echo:
    """A file that hands back what is written: csv.writer then yields each row as text."""

    def write(self, value):
        return value


@login_required
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    school, role = school_for(request.user, Role.ADMIN, wanted=request.GET.get("school", ""))
    form = AuditFilterForm(request.GET or None, school=school)
    events = form.apply(queries.audit_events(school))
    record("audit_exported", actor=request.user, role=role, school=school, count=events.count())
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 CSV correctly only with a BOM
        for row in queries.audit_csv_rows(school, events):
            yield writer.writerow(row)

    stamp = timezone.localdate().isoformat()
    return private_file(rows(), "text/csv; charset=utf-8", f"audit-{stamp}.csv")


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate, role = certificate_for(request.user, pk)
    pdf = render_certificate(certificate)
    record(
        "certificate_viewed",
        actor=request.user,
        role=role,
        obj=certificate,
        school=certificate.trip.school_id,
        trip=certificate.trip_id,
    )
    # Shown by the browser's PDF viewer, which does not run in a sandboxed document.
    return private_file(
        pdf, "application/pdf", f"{certificate.number}.pdf", inline=True, sandbox=False
    )


@login_required
def paper_copies(request: HttpRequest) -> HttpResponse:
    """Teachers: the printed copies they hold. Admin: every outstanding copy of the school."""
    member_role(request.user, "paper_copy")
    admin_schools = [m.school_id for m in memberships(request.user) if m.role == Role.ADMIN]
    mine, school_copies = queries.copies_to_shred(request.user, admin_schools)
    return render(
        request,
        "retention/paper_copies.html",
        {"mine": mine, "school_copies": school_copies, "is_admin": bool(admin_schools)},
    )


@login_required
@require_POST
def confirm_shredded(request: HttpRequest, pk: int) -> HttpResponse:
    copy, role = paper_copy_for(request.user, pk)
    form = ShreddingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("裁断したことを確認するチェックを入れてください。"))
    elif services.confirm_shredded(copy, actor=request.user, role=role):
        messages.success(request, _("裁断を記録しました。"))
    return redirect("retention:paper_copies")


@login_required
def incidents(request: HttpRequest, trip_pk: int) -> HttpResponse:
    """Incident notes of a trip: the nurse records and reads them; the admin sees their dates."""
    trip, role = trip_for_incidents(request.user, trip_pk, write=request.method == "POST")
    form = None
    if role == Role.NURSE:
        form = IncidentNoteForm(request.POST or None, trip=trip)
        if request.method == "POST" and form.is_valid():
            services.record_incident(form.save(commit=False), actor=request.user, role=role)
            messages.success(request, _("受診記録を保存しました。"))
            return redirect("retention:incidents", trip_pk=trip.pk)
    notes = queries.incident_notes(trip, role)
    return render(
        request,
        "retention/incidents.html",
        {"trip": trip, "notes": notes, "form": form, "role": role},
    )


def _monitor_token_ok(request: HttpRequest) -> bool:
    expected = settings.STATUS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and constant_time_compare(given, expected)


@login_required
def operator_status(request: HttpRequest) -> HttpResponse:
    require_operator(request.user)
    return render(request, "retention/status.html", {"status": status.snapshot()})


def operator_status_json(request: HttpRequest) -> JsonResponse:
    """For a monitor: `Authorization: Bearer $STATUS_TOKEN`, or an operator's session."""
    if not (_monitor_token_ok(request) or is_operator(request.user)):
        return JsonResponse({"error": "forbidden"}, status=403)
    response = JsonResponse(status.snapshot())
    response["Cache-Control"] = "no-store"
    return response
