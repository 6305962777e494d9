"""The deletion certificate (削除証明書) as a PDF, rendered on demand from its record.

A renderer is a function: certificate in, bytes out (STYLE.md §6). The record holds counts,
dates and the run code only; the trip's title and school come from rows the purge keeps.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from documents import fetcher

from .models import DeletionCertificate

BASE_URL = "certificate:/"
STYLESHEET = "css/certificate.css"


def _stylesheet() -> tuple[str, str]:
    """(the URL the template links, our own static file it is served from)."""
    url = BASE_URL + settings.STATIC_URL.lstrip("/") + STYLESHEET
    return url, finders.find(STYLESHEET)


def make_fetcher():
    """The shared fetcher (documents.fetcher) serving our stylesheet and nothing else."""
    return fetcher.make_fetcher(dict([_stylesheet()]))


def render_certificate(certificate: DeletionCertificate) -> bytes:
    import weasyprint  # noqa: PLC0415 (WeasyPrint costs ~1 s to import: only what renders pays it)

    trip = certificate.trip
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "retention/certificate_pdf.html",
            {
                "certificate": certificate,
                "trip": trip,
                "school": trip.school,
                "stylesheet": _stylesheet()[0],
            },
        )
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).write_pdf()
