"""The admin's retention dashboard, audit log, certificates, paper copies and incident notes.

Nothing here reads a document: the pages show counts, dates, states and the content-free audit
trail. Object URLs of another school answer 404; a role that may not do something gets 403.
"""

from __future__ import annotations

import csv
import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from documents.deletion import pending_count
from documents.models import Document
from packets.models import Packet, PaperCopy
from schools.access import BOARD_ROLE, board_school_ids, memberships, role_in, trip_role
from schools.audit import action_label, object_type_label, record
from schools.models import AuditEvent, Role, School
from trips.models import PurgeState, Trip

from . import status
from .forms import AuditFilterForm, IncidentNoteForm, ShreddingForm
from .models import DeletionCertificate, IncidentNote, SweepRun, SweepStatus

# The sweep runs hourly; past this age without a successful run the dashboard raises an alert.
SWEEP_LATE_AFTER = datetime.timedelta(hours=2)
AUDIT_PAGE_SIZE = 100
CSV_HEADER = [
    "time", "actor_id", "actor", "role", "action", "object", "object_id", "trip_id", "details"
]  # fmt: skip


def _school_for(request: HttpRequest, *roles: str) -> tuple[School, str]:
    """The first school where the user has one of `roles`; for a board admin, the board's
    school named by ?school= (404 outside the board) or its first; 403 otherwise."""
    for membership in memberships(request.user):
        if membership.role in roles:
            return membership.school, membership.role
    board_schools = board_school_ids(request.user)
    if board_schools:
        wanted = request.GET.get("school", "")
        school_id = int(wanted) if wanted.isdigit() else board_schools[0]
        if school_id not in board_schools:
            raise Http404
        return School.objects.get(pk=school_id), BOARD_ROLE
    raise PermissionDenied


def _count(queryset, trip_field: str) -> Subquery:
    counted = (
        queryset.filter(**{trip_field: OuterRef("pk")})
        .order_by()
        .values(trip_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def dashboard_trips(school: School):
    """Every trip of the school with what it still holds, in a constant number of queries."""
    return (
        Trip.objects.filter(school=school)
        .select_related("school", "deletion_certificate")
        .annotate(
            documents_held=_count(Document.objects.all(), "participant__trip"),
            packets_held=_count(Packet.objects.all(), "trip"),
            copies_outstanding=_count(PaperCopy.objects.filter(shredded_at__isnull=True), "trip"),
        )
        .order_by("-end_date", "-pk")
    )


def sweep_status(now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    runs = SweepRun.objects.filter(dry_run=False)
    last = runs.first()
    last_ok = runs.filter(status=SweepStatus.OK).first()
    late = last_ok is None or (last_ok.finished_at or last_ok.started_at) < now - SWEEP_LATE_AFTER
    return {
        "last": last,
        "last_ok": last_ok,
        "failed": last is not None and last.status == SweepStatus.FAILED,
        "late": late,
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    school, role = _school_for(request, Role.ADMIN, Role.NURSE)
    now = timezone.now()
    trips = list(dashboard_trips(school))
    for trip in trips:
        # "Overdue" exists only when something failed: a due trip not purged past the sweep's slack.
        trip.overdue = trip.purge_state != PurgeState.PURGED and trip.purge_due_at < (
            now - SWEEP_LATE_AFTER
        )
    context = {
        "school": school,
        "role": role,
        "trips": trips,
        "sweep": sweep_status(now),
        "overdue": [t for t in trips if t.overdue],
        "copies_outstanding": sum(t.copies_outstanding for t in trips),
        "files_pending": pending_count(Trip.objects.filter(school=school).values("pk")),
        "board_schools": School.objects.filter(pk__in=board_school_ids(request.user))
        if role == BOARD_ROLE
        else [],
    }
    return render(request, "retention/dashboard.html", context)


def _audit_queryset(school: School, form: AuditFilterForm):
    member_ids = school.memberships.values("user_id")
    events = AuditEvent.objects.filter(
        Q(school_id=school.pk) | Q(school_id__isnull=True, actor_id__in=member_ids)
    )
    return form.apply(events)


def _usernames(events) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id}
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_username() for u in users}


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    school, _role = _school_for(request, Role.ADMIN)
    form = AuditFilterForm(request.GET or None, school=school)
    page = Paginator(_audit_queryset(school, form), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = _usernames(page.object_list)
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


def _csv_safe(value) -> str:
    """Stop spreadsheet formula injection (a username starting with '=' stays text)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


@login_required
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    school, role = _school_for(request, Role.ADMIN)
    form = AuditFilterForm(request.GET or None, school=school)
    events = _audit_queryset(school, form)
    names = dict(
        get_user_model()
        .objects.filter(memberships__school=school)
        .values_list("pk", get_user_model().USERNAME_FIELD)
    )
    record("audit_exported", actor=request.user, role=role, school=school, count=events.count())
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 CSV correctly only with a BOM
        yield writer.writerow(CSV_HEADER)
        for event in events.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    timezone.localtime(event.created_at).isoformat(timespec="seconds"),
                    event.actor_id or "",
                    _csv_safe(names.get(event.actor_id, "")),
                    event.actor_role,
                    event.action,
                    event.object_type,
                    event.object_id or "",
                    event.trip_id or "",
                    json.dumps(event.details, ensure_ascii=False, sort_keys=True),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from .certificate import render_certificate

    certificate = get_object_or_404(
        DeletionCertificate.objects.select_related("trip__school"), pk=pk
    )
    role = trip_role(request.user, certificate.trip)
    if role is None and certificate.trip.school_id in board_school_ids(request.user):
        role = BOARD_ROLE
    if role is None:
        raise Http404
    pdf = render_certificate(certificate)
    record(
        "certificate_viewed",
        actor=request.user,
        role=role,
        obj=certificate,
        school=certificate.trip.school_id,
        trip=certificate.trip_id,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
def paper_copies(request: HttpRequest) -> HttpResponse:
    """Teachers: the printed copies they hold. Admin: every outstanding copy of the school."""
    if not memberships(request.user):
        raise PermissionDenied
    outstanding = PaperCopy.objects.filter(shredded_at__isnull=True).select_related(
        "trip", "trip__school", "holder"
    )
    admin_schools = [m.school_id for m in memberships(request.user) if m.role == Role.ADMIN]
    mine = list(outstanding.filter(holder=request.user).order_by("trip__end_date", "copy_number"))
    school_copies = (
        list(outstanding.filter(trip__school_id__in=admin_schools).order_by("trip", "copy_number"))
        if admin_schools
        else []
    )
    return render(
        request,
        "retention/paper_copies.html",
        {"mine": mine, "school_copies": school_copies, "is_admin": bool(admin_schools)},
    )


@login_required
@require_POST
def confirm_shredded(request: HttpRequest, pk: int) -> HttpResponse:
    copy = get_object_or_404(PaperCopy.objects.select_related("trip"), pk=pk)
    role = role_in(request.user, copy.trip.school_id)
    if role is None:
        raise Http404
    if copy.holder_id != request.user.pk:
        raise PermissionDenied
    form = ShreddingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("裁断したことを確認するチェックを入れてください。"))
    elif copy.shredded_at is None:
        copy.shredded_at = timezone.now()
        copy.shredded_confirmed_by = request.user
        copy.save(update_fields=["shredded_at", "shredded_confirmed_by"])
        record(
            "paper_copy_shredded",
            actor=request.user,
            role=role,
            obj=copy,
            school=copy.trip.school_id,
            trip=copy.trip_id,
            copy_number=copy.copy_number,
        )
        messages.success(request, _("裁断を記録しました。"))
    return redirect("retention:paper_copies")


@login_required
def incidents(request: HttpRequest, trip_pk: int) -> HttpResponse:
    """Incident notes of a trip: the nurse records and reads them; the admin sees their dates."""
    visible = Trip.objects.visible_to(request.user).select_related("school")
    trip = get_object_or_404(visible, pk=trip_pk)
    role = trip_role(request.user, trip)
    if role not in (Role.NURSE, Role.ADMIN):
        raise PermissionDenied
    form = None
    if role == Role.NURSE:
        form = IncidentNoteForm(request.POST or None, trip=trip)
        if request.method == "POST" and form.is_valid():
            note = form.save(commit=False)
            note.created_by = request.user
            note.save()
            record(
                "incident_recorded", actor=request.user, role=role, obj=note,
                school=trip.school_id, trip=trip, date=note.date,
            )  # fmt: skip
            messages.success(request, _("受診記録を保存しました。"))
            return redirect("retention:incidents", trip_pk=trip.pk)
    elif request.method == "POST":
        raise PermissionDenied
    notes = IncidentNote.objects.filter(participant__trip=trip)
    if role == Role.NURSE:
        notes = notes.select_related("participant__student", "created_by")
    else:
        # The admin sees that a note exists and when (metadata); what happened, where and to
        # which child is health information for the nurse only.
        notes = notes.only("pk", "date")
    return render(
        request,
        "retention/incidents.html",
        {"trip": trip, "notes": notes, "form": form, "role": role},
    )


def _is_operator(user) -> bool:
    """The site's operators: active site staff (the accounts that also open /django-admin/).

    The status counts the whole site: every board's queues, overdue purges and failed deletions.
    A school's admin (管理職) or a board admin runs one school or one board, and must not learn
    another board's state, so they see their own retention dashboard, not this page.
    """
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def _monitor_token_ok(request: HttpRequest) -> bool:
    expected = settings.STATUS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and constant_time_compare(given, expected)


@login_required
def operator_status(request: HttpRequest) -> HttpResponse:
    if not _is_operator(request.user):
        raise PermissionDenied
    return render(request, "retention/status.html", {"status": status.snapshot()})


def operator_status_json(request: HttpRequest) -> JsonResponse:
    """For a monitor: `Authorization: Bearer $STATUS_TOKEN`, or an operator's session."""
    if not (_monitor_token_ok(request) or _is_operator(request.user)):
        return JsonResponse({"error": "forbidden"}, status=403)
    response = JsonResponse(status.snapshot())
    response["Cache-Control"] = "no-store"
    return response
