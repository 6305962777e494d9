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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from packets.stamps import stamp_text
from retention.forms import IncidentNoteForm
from retention.services import record_incident
from schools.audit import record
from students.models import roster_order
from trips.models import Participant

from .access import participant_for_tripday, trip_for_tripday


def _no_store(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response

    return wrapped


@login_required
@_no_store
def index(request: HttpRequest, trip_pk: int) -> HttpResponse:
    trip, _role = trip_for_tripday(request.user, trip_pk)
    participants = (
        Participant.objects.filter(trip=trip)
        .select_related("student")
        .order_by("student__kana", *roster_order("student__"))
    )
    query = request.GET.get("q", "").strip()
    if query:
        participants = participants.search(query)
    return render(
        request,
        "tripday/index.html",
        {"trip": trip, "participants": participants, "query": query},
    )


@login_required
@require_http_methods(["GET", "POST"])
@_no_store
def child(request: HttpRequest, trip_pk: int, participant_pk: int) -> HttpResponse:
    participant, role = participant_for_tripday(request.user, trip_pk, participant_pk)
    trip = participant.trip
    # At most one document per participant (a database constraint).
    document = participant.documents.first()
    form = IncidentNoteForm(
        request.POST or None, trip=trip, initial={"participant": participant.pk}
    )
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data["participant"] == participant:
            record_incident(form.save(commit=False), actor=request.user, role=role)
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
