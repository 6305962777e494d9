"""The deletion certificate (削除証明書) as a PDF, rendered on demand from its record.

A renderer is a function: certificate in, bytes out (STYLE.md §6). The record holds counts,
dates and the run code only; the trip's title and school come from rows the purge keeps.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from .models import DeletionCertificate

BASE_URL = "certificate:/"
STYLESHEET = "css/certificate.css"


class RefusedURL(ValueError):
    pass


def _static_path(url: str) -> str | None:
    """Our own static file for `url` (certificate:/static/…), or None."""
    prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
    if not url.startswith(prefix):
        return None
    relative = url[len(prefix) :].split("?")[0]
    if ".." in Path(relative).parts:
        return None
    return finders.find(relative)


def make_fetcher():
    """A WeasyPrint URL fetcher that serves our static files only; file:, http(s): all fail."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = _static_path(url)
            if path is None:
                raise RefusedURL("only our own static files may be fetched")
            mime = "text/css" if path.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": mime})

    return StaticOnlyFetcher(allowed_protocols=())


def render_certificate(certificate: DeletionCertificate) -> bytes:
    import weasyprint

    trip = certificate.trip
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "retention/certificate_pdf.html",
            {
                "certificate": certificate,
                "trip": trip,
                "school": trip.school,
                "stylesheet": BASE_URL + settings.STATIC_URL.lstrip("/") + STYLESHEET,
            },
        )
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).write_pdf()
