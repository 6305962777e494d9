"""One way to answer with a private file: a document, a packet, a letter, a certificate, a CSV.

Every such response carries the same headers, so none can be forgotten on a new download:
the file name we choose (never a client's, never a child's name), no MIME sniffing, nothing
kept in any cache, no Referer leaked to what the file links to, and a `sandbox` CSP so the
browser never runs a script it might contain.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers

SANDBOX_POLICY = "sandbox; default-src 'none'"


def private_file(
    content: bytes | str | Iterable,
    content_type: str,
    filename: str,
    *,
    inline: bool = False,
    sandbox: bool = True,
) -> HttpResponseBase:
    """`content` as a file the browser shows (inline) or saves; an iterable is streamed.

    sandbox=False only for a PDF shown inline by the browser's own viewer, which does not run
    in a sandboxed document (the deletion certificate); the site's strict policy then applies,
    since django-csp adds it only to responses without a policy of their own.
    """
    if isinstance(content, bytes | str):
        response: HttpResponseBase = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    if sandbox:
        response["Content-Security-Policy"] = SANDBOX_POLICY
    add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
    return response
