"""A member of several schools acts in one school at a time, chosen explicitly.

With one membership nothing changes. With several, the school chosen on the chooser page is kept
in the session and, for the request, the user's memberships are narrowed to that one: every
access rule (`schools/access.py`) and every school-scoped screen then works on the chosen school,
never on an arbitrary "first" one. Until a school is chosen, pages redirect to the chooser.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import access

SESSION_KEY = "schooltrips_school_id"
# Pages that work without a chosen school: the chooser itself, signing in and out, health, the
# guardians' upload pages (no account), static files and the language switch.
EXEMPT_PREFIXES = ("/school/", "/login/", "/logout/", "/healthz", "/u/", "/static/", "/i18n/")


class CurrentSchoolMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            every = access.memberships(user)
            request.school_choices = every
            if len(every) > 1:
                chosen = [m for m in every if m.school_id == request.session.get(SESSION_KEY)]
                if chosen:
                    access.narrow_memberships(user, chosen)
                elif not request.path.startswith(EXEMPT_PREFIXES):
                    url = reverse("choose_school") + "?" + urlencode({"next": request.path})
                    return redirect(url)
        return self.get_response(request)
