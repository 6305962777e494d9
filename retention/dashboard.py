"""What the retention pages show: plain queries over trips, sweeps, copies, notes and the trail.

Nothing here reads a document: counts, dates, states and the content-free audit trail only.
The views (retention/views.py) check access, call one of these and render.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from documents.deletion import pending_count
from documents.models import Document
from packets.models import Packet, PaperCopy
from schools.models import AuditEvent, Role, School
from trips.models import PurgeState, Trip

from .models import IncidentNote, SweepRun, SweepStatus

# The sweep runs hourly; past this age without a successful run the dashboard raises an alert.
SWEEP_LATE_AFTER = datetime.timedelta(hours=2)
CSV_HEADER = [
    "time", "actor_id", "actor", "role", "action", "object", "object_id", "trip_id", "details"
]  # fmt: skip


def _count(queryset, trip_field: str) -> Subquery:
    counted = (
        queryset.filter(**{trip_field: OuterRef("pk")})
        .order_by()
        .values(trip_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def dashboard_trips(school: School) -> QuerySet[Trip]:
    """Every trip of the school with what it still holds, in a constant number of queries."""
    return (
        Trip.objects.filter(school=school)
        .select_related("school", "deletion_certificate")
        .annotate(
            documents_held=_count(Document.objects.all(), "participant__trip"),
            packets_held=_count(Packet.objects.all(), "trip"),
            copies_outstanding=_count(PaperCopy.objects.outstanding(), "trip"),
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


@dataclass
class Summary:
    trips: list[Trip]
    sweep: dict
    overdue: list[Trip]
    copies_outstanding: int
    files_pending: int


def school_summary(school: School, *, now: datetime.datetime | None = None) -> Summary:
    """The dashboard of one school: its trips, the sweep's health, what is late or pending."""
    now = now or timezone.now()
    trips = list(dashboard_trips(school))
    for trip in trips:
        # "Overdue" exists only when something failed: a due trip not purged past the sweep's slack.
        trip.overdue = trip.purge_state != PurgeState.PURGED and trip.purge_due_at < (
            now - SWEEP_LATE_AFTER
        )
    return Summary(
        trips=trips,
        sweep=sweep_status(now),
        overdue=[t for t in trips if t.overdue],
        copies_outstanding=sum(t.copies_outstanding for t in trips),
        files_pending=pending_count(Trip.objects.filter(school=school).values("pk")),
    )


def audit_events(school: School) -> QuerySet[AuditEvent]:
    """The school's trail: its own events and its members' events that name no school (logins)."""
    member_ids = school.memberships.values("user_id")
    return AuditEvent.objects.filter(
        Q(school_id=school.pk) | Q(school_id__isnull=True, actor_id__in=member_ids)
    )


def usernames(events) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id}
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_username() for u in users}


def _csv_safe(value) -> str:
    """Stop spreadsheet formula injection (a username starting with '=' stays text)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv_rows(school: School, events: QuerySet[AuditEvent]) -> Iterator[list]:
    """The export's header and rows, streamed (a school's trail can be long)."""
    user_model = get_user_model()
    names = dict(
        user_model.objects.filter(memberships__school=school).values_list(
            "pk", user_model.USERNAME_FIELD
        )
    )
    yield CSV_HEADER
    for event in events.iterator(chunk_size=1000):
        yield [
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


def copies_to_shred(user, admin_school_ids: list[int]) -> tuple[list[PaperCopy], list[PaperCopy]]:
    """The printed copies this user holds, and every outstanding copy of the schools they head."""
    outstanding = PaperCopy.objects.outstanding().select_related("trip", "trip__school", "holder")
    mine = list(outstanding.filter(holder=user).order_by("trip__end_date", "copy_number"))
    school_copies = (
        list(
            outstanding.filter(trip__school_id__in=admin_school_ids).order_by("trip", "copy_number")
        )
        if admin_school_ids
        else []
    )
    return mine, school_copies


def incident_notes(trip: Trip, role: str) -> QuerySet[IncidentNote]:
    notes = IncidentNote.objects.filter(participant__trip=trip)
    if role == Role.NURSE:
        return notes.select_related("participant__student", "created_by")
    # The admin sees that a note exists and when (metadata); what happened, where and to which
    # child is health information for the nurse only.
    return notes.only("pk", "date")
