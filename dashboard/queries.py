"""What each role's home page lists, in a fixed number of queries whatever the number of trips.

Every count is an annotation on the trip query (per-state participant counts from
`with_progress`, the rest as correlated subqueries, which never multiply each other's rows the
way several joined Counts would), so the page costs the same for 1 trip or 100.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from documents.models import Document
from packets.models import Packet, PacketStatus, PaperCopy
from trips.models import PurgeState, Trip, TripStatus, today_in_tokyo
from trips.services import progress


def _count(queryset) -> Coalesce:
    counted = queryset.order_by().values("trip").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _latest(queryset, field: str) -> Subquery:
    latest = queryset.order_by().values("trip").annotate(at=Max(field)).values("at")
    return Subquery(latest)


def dashboard_trips(user):
    """The trips this user may see, with everything the dashboard shows, in one query."""
    packets = Packet.objects.filter(trip=OuterRef("pk"), status=PacketStatus.DONE)
    newest_document = (
        Document.objects.filter(participant__trip=OuterRef("pk"))
        .order_by("-uploaded_at")
        .values("uploaded_at")[:1]
    )
    copies = PaperCopy.objects.outstanding().filter(trip=OuterRef("pk"))
    return (
        Trip.objects.visible_to(user)
        .with_progress()
        .select_related("school")
        .annotate(
            latest_packet_at=_latest(packets, "finished_at"),
            latest_document_at=Subquery(newest_document),
            n_copies_to_shred=_count(copies),
        )
        .order_by("-start_date", "-id")
    )


@dataclass
class Row:
    """One trip on the dashboard with what needs someone now."""

    trip: Trip
    progress: dict[str, int]
    status: str
    to_review: int
    rejected: int
    missing: int
    packet_outdated: bool
    copies_to_shred: int
    purge_overdue: bool

    @property
    def needs_action(self) -> bool:
        return bool(
            self.to_review
            or self.rejected
            or self.missing
            or self.packet_outdated
            or self.copies_to_shred
            or self.purge_overdue
        )


def rows_for(user) -> list[Row]:
    today = today_in_tokyo()
    now = timezone.now()
    rows = []
    for trip in dashboard_trips(user):
        counts = progress(trip)
        status = trip.status_on(today)
        open_trip = status not in (TripStatus.PURGED, TripStatus.CANCELLED)
        outdated = bool(
            trip.latest_packet_at
            and trip.latest_document_at
            and trip.latest_packet_at < trip.latest_document_at
        )
        rows.append(
            Row(
                trip=trip,
                progress=counts,
                status=status,
                to_review=counts["uploaded"] if open_trip else 0,
                rejected=counts["rejected"] if open_trip else 0,
                missing=counts["missing"] if open_trip else 0,
                packet_outdated=outdated and open_trip,
                copies_to_shred=trip.n_copies_to_shred,
                purge_overdue=trip.purge_state != PurgeState.PURGED and trip.purge_due_at < now,
            )
        )
    return rows
