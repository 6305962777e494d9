"""The home page: each role's dashboard of trips and what needs them now."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from schools.access import primary_membership

from .queries import rows_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = primary_membership(request.user)
    role = membership.role if membership else None
    rows = rows_for(request.user) if role else []
    context = {
        "role": role,
        "rows": rows,
        "summary": {
            "to_review": sum(row.to_review for row in rows),
            "rejected": sum(row.rejected for row in rows),
            "missing": sum(row.missing for row in rows),
            "copies_to_shred": sum(row.copies_to_shred for row in rows),
            "purge_overdue": sum(row.purge_overdue for row in rows),
        },
    }
    return render(request, "dashboard/home.html", context)
