from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


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
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
