"""Read-side helpers that other floors use (packets, retention) and the review screens."""

from __future__ import annotations

from django.db.models import QuerySet

from students.models import roster_order
from trips.models import Trip

from .models import Document, DocumentKind, ReviewState


def documents_for_packet(
    trip: Trip | int, group_name: str | None = None, *, with_files_only: bool = True
) -> QuerySet[Document]:
    """Accepted documents of a trip (optionally one group) in roster order.

    Card declarations have no file; pass with_files_only=False to list them too (for the index).
    """
    queryset = (
        Document.objects.filter(participant__trip=trip, review_state=ReviewState.ACCEPTED)
        .select_related("participant__student")
        .order_by(*roster_order("participant__student__"), "uploaded_at", "pk")
    )
    if group_name is not None:
        queryset = queryset.filter(participant__group_name=group_name)
    if with_files_only:
        queryset = queryset.exclude(kind=DocumentKind.CARD_CARRIED).exclude(storage_name="")
    return queryset


def current_document(participant) -> Document | None:
    """The participant's latest upload or declaration (replacing deletes the older one)."""
    return participant.documents.order_by("-uploaded_at", "-pk").first()
