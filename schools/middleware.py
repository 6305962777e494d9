"""Site-wide rules no single view should have to remember: response headers, input checks, and
the school a member of several schools is acting in."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from . import access

# Nothing on the site needs these browser features. The guardian's camera button is a file
# input with `capture`, which opens the camera app without the page asking for camera access.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def _has_nul(querydict) -> bool:
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in querydict.lists()
    )


class RefuseNulBytesMiddleware:
    """A NUL character in a query string or form field answers 400 with a clear page.

    PostgreSQL cannot store NUL in text, so such a value would otherwise end as a 500 wherever a
    view reads the raw request. Form bodies are checked in process_view, after the CSRF check has
    parsed them anyway; views exempt from that check (the guardian's upload) parse their own body
    after installing a size-limiting upload handler, so they are left alone: they read only form
    fields, whose CharField already refuses NUL.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET):
            return _refuse(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        exempt = getattr(view_func, "csrf_exempt", False)
        if request.method == "POST" and not exempt and _has_nul(request.POST):
            return _refuse(request)
        return None


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/400_nul.html", status=400)


# --- The current school ----------------------------------------------------------------------
# A member of several schools acts in one school at a time, chosen explicitly.
#
# With one membership nothing changes. With several, the school chosen on the chooser page is kept
# in the session and, for the request, the user's memberships are narrowed to that one: every
# access rule (`schools/access.py`) and every school-scoped screen then works on the chosen school,
# never on an arbitrary "first" one. Until a school is chosen, pages redirect to the chooser.

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
