"""The guardian's upload page, reached only through a private link (DESIGN.md §5 contract)."""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from schools.clientip import client_ip

from . import admission, intake, links, ratelimit
from .forms import KIND_HELP, UploadForm
from .models import DocumentKind
from .services import current_document
from .uploadhandlers import BoundedMemoryUploadHandler

log = logging.getLogger(__name__)


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _too_many(request) -> HttpResponse:
    return _private(render(request, "errors/429.html", status=429))


def _not_found(request) -> HttpResponse:
    return _private(render(request, "errors/404.html", status=404))


def _unavailable(request) -> HttpResponse:
    response = _private(render(request, "documents/unavailable.html", status=503))
    response["Retry-After"] = "120"
    return response


def _gate(request: HttpRequest, token: str):
    """The live link, or a ready 404/429/503 response. Misses per IP are throttled (guessing).

    Without the shared cache nothing can be counted. Reading the page stays possible (a guessed
    token is hopeless at 192 bits; the throttle is a second line), but nothing is written: a
    POST answers 503 until the cache is back, never an unthrottled upload or a 500.
    """
    ip = client_ip(request)
    try:
        limited = ratelimit.exceeded("miss", ip, ratelimit.UNKNOWN_TOKEN_PER_IP) or ratelimit.hit(
            "ip", ip, ratelimit.REQUESTS_PER_IP
        )
    except ratelimit.Unavailable:
        if request.method not in ("GET", "HEAD"):
            return None, _unavailable(request)
        limited = False
    if limited:
        return None, _too_many(request)
    link = links.resolve(token)
    if link is None:
        with contextlib.suppress(ratelimit.Unavailable):  # logged; the answer is 404 anyway
            ratelimit.hit("miss", ip, ratelimit.UNKNOWN_TOKEN_PER_IP)
        return None, _not_found(request)
    return link, None


def _context(link, form, error=""):
    participant = link.participant
    trip = participant.trip
    kinds = [(value, label, KIND_HELP[value]) for value, label in DocumentKind.choices]
    return {
        "trip": trip,
        "student": participant.student,
        "current": current_document(participant),
        "form": form,
        "kinds": kinds,
        "error": error,
        "purge_after": trip.purge_after,
        "token_path": reverse("documents:upload", args=[links.token_for(link)]),
    }


@csrf_exempt
@sensitive_post_parameters()
@sensitive_variables("token")
def upload(request: HttpRequest, token: str) -> HttpResponse:
    # Our handler must replace the defaults before anything reads request.POST/FILES, and the
    # CSRF check reads POST: so CSRF is checked by the inner view, after this (Django docs,
    # "Modifying upload handlers on the fly").
    handler = BoundedMemoryUploadHandler(request)
    request.upload_handlers = [handler]
    if request.method == "POST" and _carries_a_file(request) and admission.full():
        # Every slot taken: answer without parsing the body. Parsing a 4 MB upload only to drop it
        # cost each busy answer ~0.1 s of CPU that the uploads in the pipeline needed. No slot is
        # taken here: that happens after parsing, so a slow phone's transfer never holds one.
        _discard_body(request)
        return _busy(request)
    return _upload(request, token, handler)


def _discard_body(request: HttpRequest) -> None:
    """Read the unparsed body off the connection and drop it, a chunk at a time.

    gunicorn drains at most 64 KB of a body the application left unread and then closes the
    connection; with the rest of the upload still arriving, the close can turn into a reset
    that loses the busy page (and a proxy in front reports a 502). Reading costs next to
    nothing next to parsing; a body far past the upload limit is not worth it.
    """
    if int(request.META.get("CONTENT_LENGTH") or 0) > 2 * settings.UPLOAD_MAX_BYTES:
        return
    with contextlib.suppress(OSError):  # the client gave up: nothing to answer anyway
        while request.read(64 * 1024):
            pass


def _carries_a_file(request: HttpRequest) -> bool:
    # A withdrawal or a card declaration is a few hundred bytes; a document is far more.
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 64 * 1024
    except ValueError:
        return False


@csrf_protect
@sensitive_variables("token")
def _upload(request: HttpRequest, token: str, handler) -> HttpResponse:
    link, response = _gate(request, token)
    if response is not None:
        return response
    if request.method == "GET":
        return _private(render(request, "documents/upload.html", _context(link, UploadForm())))
    if request.method != "POST":
        return _private(HttpResponse(status=405))
    if request.POST.get("action") == "withdraw" or "file" not in request.FILES:
        return _post(request, link, token, handler)
    # A file for the pipeline: only with an intake slot (documents/admission.py). The body is
    # already read (the CSRF check parsed it), so a refusal costs no CPU-heavy child; it comes
    # before the per-token count, so waiting out a busy moment uses none of the guardian's tries.
    try:
        with admission.slot():
            return _post(request, link, token, handler)
    except admission.Busy:
        return _busy(request)
    except admission.Unavailable:
        return _unavailable(request)


def _busy(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the upload was dropped unread; the page's script sends it again."""
    if hasattr(request, "_files"):
        request.FILES.clear()  # parsed already: nothing of the upload outlives this answer
    retry_after = settings.INTAKE_RETRY_AFTER
    response = _private(
        render(
            request,
            "documents/busy.html",
            # The link back is this very address (the upload page).
            {"retry_after": retry_after, "token_path": request.path},
            status=503,
        )
    )
    response["Retry-After"] = str(retry_after)
    response["X-Intake-Busy"] = "1"  # tells upload.js this 503 is worth an automatic retry
    # Expected under load, not a fault: one INFO line instead of django.request's ERROR per 503
    # (Django skips responses marked as logged), so alerts on errors stay meaningful.
    log.info("intake busy: every slot taken (limit %d)", settings.INTAKE_CONCURRENCY)
    response._has_been_logged = True
    return response


@sensitive_variables("token")
def _post(request: HttpRequest, link, token: str, handler) -> HttpResponse:
    participant = link.participant
    try:
        if ratelimit.hit("token", link.token_hash, ratelimit.UPLOADS_PER_TOKEN):
            return _too_many(request)
    except ratelimit.Unavailable:
        return _unavailable(request)

    if request.POST.get("action") == "withdraw":
        try:
            intake.withdraw(participant)
        except intake.Refusal as refusal:
            return _refused(request, link, UploadForm(), refusal)
        return _private(redirect(reverse("documents:receipt", args=[token])))

    form = UploadForm(request.POST, request.FILES)
    code = "too_large" if handler.too_large else "too_many_files" if handler.too_many else ""
    if code:
        return _refused(request, link, form, intake.refuse(participant, code))
    if not form.is_valid():
        return _private(render(request, "documents/upload.html", _context(link, form), status=400))
    kind = form.cleaned_data["kind"]
    upload = request.FILES.get("file")
    try:
        if kind == DocumentKind.CARD_CARRIED and upload is None:
            intake.declare_card(participant)
        else:
            # card_carried with a file goes to the pipeline too, which refuses it with a reason.
            intake.accept(participant, kind, upload)
    except intake.Refusal as refusal:
        return _refused(request, link, form, refusal)
    return _private(redirect(reverse("documents:receipt", args=[token])))


def _refused(request, link, form, refusal: intake.Refusal) -> HttpResponse:
    status = 413 if refusal.code == "too_large" else 400
    context = _context(link, form, error=refusal.message)
    return _private(render(request, "documents/upload.html", context, status=status))


@sensitive_variables("token")
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    link, response = _gate(request, token)
    if response is not None:
        return response
    context = _context(link, None)
    return _private(render(request, "documents/receipt.html", context))
