from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health
from .access import memberships
from .middleware import SESSION_KEY


@login_required
def choose_school(request: HttpRequest) -> HttpResponse:
    """Members of several schools pick the one they act in; kept in the session."""
    choices = getattr(request, "school_choices", None) or memberships(request.user)
    if request.method == "POST":
        picked = request.POST.get("school", "")
        membership = next((m for m in choices if str(m.school_id) == picked), None)
        if membership is None:
            raise Http404
        request.session[SESSION_KEY] = membership.school_id
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("home")
        return redirect(target)
    return render(
        request,
        "schools/choose_school.html",
        {
            "choices": choices,
            "current": request.session.get(SESSION_KEY),
            "next": request.GET.get("next", ""),
        },
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    # The contract is database + broker; the font check is reported but does not fail it.
    failed = [f for f in (health.check_database(), health.check_broker()) if f]
    fonts = health.check_pdf_fonts()
    body = {"status": "ok" if not failed else "fail", "failed": failed}
    body["pdf_fonts"] = "ok" if fonts is None else fonts
    # Reported, not judged: a monitor alerts on its own threshold (the heartbeat is every 300 s).
    body["beat_age_s"] = health.beat_age()
    return JsonResponse(body, status=503 if failed else 200)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the error may be the database itself.
    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
