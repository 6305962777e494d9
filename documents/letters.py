"""Printable invitation letters: one A4 page per student with the link as a QR code."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils import translation

from trips.models import Participant, Trip

from . import links
from .fetcher import make_fetcher
from .models import UploadLink


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


def render_letters(trip: Trip, pairs: list[tuple[Participant, UploadLink]]) -> bytes:
    import weasyprint  # noqa: PLC0415 (WeasyPrint costs ~1 s to import: only what renders pays it)

    with translation.override("ja"):
        pages = [
            {
                "student": participant.student,
                "url": links.url_for(link),
                "qr": _qr_svg(links.url_for(link)),
            }
            for participant, link in pairs
        ]
        html = render_to_string(
            "documents/letters.html",
            {"trip": trip, "pages": pages, "purge_after": trip.purge_after},
        )
    # The letter needs nothing from outside: a fetcher with no resources refuses every URL.
    return weasyprint.HTML(string=html, url_fetcher=make_fetcher()).write_pdf()
