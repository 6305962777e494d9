"""The trip day: find a child in two taps and show their document to the hospital.

The notice lets the hospital be shown the document under the teachers' supervision for the
trip's days only, so every page here is audited per view, answers `no-store` (nothing stays
on the phone: no service worker, no cached images), and stops answering once the trip is
cancelled or its documents are purged.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from documents.access import trip_for_reviewer
from documents.models import Document
from documents.services import roster_order
from packets.stamps import stamp_text
from retention.forms import IncidentNoteForm
from schools.audit import record
from trips.models import Participant, Trip


def _no_store(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response

    return wrapped


def _trip(user, trip_pk: int) -> tuple[Trip, str]:
    trip, role = trip_for_reviewer(user, trip_pk)
    if trip.is_closed:  # cancelled, purging or purged: the documents are gone or going
        raise Http404
    return trip, role


@login_required
@_no_store
def index(request: HttpRequest, trip_pk: int) -> HttpResponse:
    trip, _role = _trip(request.user, trip_pk)
    participants = (
        Participant.objects.filter(trip=trip)
        .select_related("student")
        .order_by("student__kana", *roster_order("student__"))
    )
    query = request.GET.get("q", "").strip()
    if query:
        participants = participants.filter(student__name__icontains=query) | participants.filter(
            student__kana__icontains=query
        )
    return render(
        request,
        "tripday/index.html",
        {"trip": trip, "participants": participants, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
@_no_store
def child(request: HttpRequest, trip_pk: int, participant_pk: int) -> HttpResponse:
    trip, role = _trip(request.user, trip_pk)
    latest = Document.objects.order_by("-uploaded_at", "-pk")
    participant = get_object_or_404(
        Participant.objects.select_related("student").prefetch_related(
            Prefetch("documents", queryset=latest, to_attr="latest_documents")
        ),
        trip=trip,
        pk=participant_pk,
    )
    document = participant.latest_documents[0] if participant.latest_documents else None
    form = IncidentNoteForm(
        request.POST or None, trip=trip, initial={"participant": participant.pk}
    )
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["participant"] == participant:
            form.save_recorded(request.user, role)
            messages.success(request, _("受診記録を保存しました。"))
            return redirect("tripday:child", trip_pk=trip.pk, participant_pk=participant.pk)
    else:
        record(
            "tripday_viewed", actor=request.user, role=role, obj=participant,
            school=trip.school_id, trip=trip, kind=document.kind if document else "none",
        )  # fmt: skip
    bold, rest = stamp_text(participant.student.name, trip.title, trip.end_date.isoformat())
    context = {
        "trip": trip,
        "participant": participant,
        "document": document,
        "pages": range(1, document.pages + 1) if document and document.has_file else [],
        "stamp": bold + rest,
        "form": form,
    }
    return render(request, "tripday/child.html", context)
