"""The trip's teachers: remind all missing families, and the private links as CSV."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schools.audit import record
from schools.responses import private_file

from . import links, reminders
from .access import trip_for_links


@login_required
@require_POST
def remind_missing(request: HttpRequest, trip_pk: int) -> HttpResponse:
    trip, _role = trip_for_links(request.user, trip_pk)
    try:
        count = reminders.remind_all(trip, request.user)
    except reminders.TooSoon:
        messages.error(
            request, _("督促メールは少し前に送りました。時間をおいてからもう一度お試しください。")
        )
    else:
        messages.success(
            request, _("%(count)d 家庭に督促メールを送信待ちにしました。") % {"count": count}
        )
    return redirect("documents:trip", trip_pk=trip.pk)


@login_required
@require_POST  # it issues missing links and audits the export: never on a prefetch or crawl
def links_csv(request: HttpRequest, trip_pk: int) -> HttpResponse:
    """Student number, name and private URL per participant, for a school–home messaging app."""
    trip, role = trip_for_links(request.user, trip_pk)
    pairs = links.links_for_trip(trip)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("学籍番号"), _("氏名"), _("提出用リンク")])
    for participant, link in pairs:
        student = participant.student
        writer.writerow([_cell(student.student_number), _cell(student.name), links.url_for(link)])
    record(
        "links_exported",
        actor=request.user,
        role=role,
        school=trip.school_id,
        trip=trip.pk,
        count=len(pairs),
    )
    # BOM: Excel on Japanese Windows opens a UTF-8 CSV correctly only with it.
    content = "\ufeff" + out.getvalue()
    return private_file(content, "text/csv; charset=utf-8", f"links-trip-{trip.pk}.csv")


def _cell(value: str) -> str:
    """A roster value as spreadsheet text: a leading =, +, - or @ would run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
