"""Synthetic documents for packet tests and the bench: Japanese-text PDFs and photos."""

from __future__ import annotations

import hashlib
import io

from documents import vault
from documents.models import Document, ReviewState
from trips.models import ParticipantState

FONT = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"


def japanese_pdfs(specs: list[tuple[str, int]]) -> list[bytes]:
    """One PDF per (marker, pages), Japanese text on each page; one WeasyPrint render for all."""
    import pikepdf
    import weasyprint

    from packets.render_html import BASE_URL, make_fetcher

    pages_html = []
    for marker, pages in specs:
        for n in range(1, pages + 1):
            pages_html.append(
                f"<section><h1>資格情報のお知らせ</h1><p>氏名 {marker}</p>"
                f"<p>被保険者 記号 12 番号 345 枝番 01 保険者番号 06131234</p>"
                f"<p>{n} / {pages} 頁 {marker}-p{n}</p></section>"
            )
    html = (
        "<html><head><style>@font-face{font-family:J;src:url(packet:/f.ttf)}"
        "@page{size:A4;margin:20mm} html{font-family:J;font-size:14pt}"
        "section{break-after:page}</style></head><body>" + "".join(pages_html) + "</body></html>"
    )
    fetcher = make_fetcher({"packet:/f.ttf": FONT})
    whole = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    out = []
    with pikepdf.open(io.BytesIO(whole)) as source:
        index = 0
        for _marker, pages in specs:
            part = pikepdf.new()
            for page in source.pages[index : index + pages]:
                part.pages.append(page)
            index += pages
            buffer = io.BytesIO()
            part.save(buffer)
            out.append(buffer.getvalue())
    return out


def photo(width: int = 1200, height: int = 1600, *, seed: int = 0, quality: int = 85) -> bytes:
    """A clean JPEG like intake stores (no EXIF), with some texture so it does not shrink to nil."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (240, 236, 228))
    draw = ImageDraw.Draw(image)
    for i in range(0, width, 37):
        draw.line([(i, 0), (width - i, height)], fill=((i * 7 + seed) % 255, 90, 160), width=3)
    draw.rectangle(
        [width // 8, height // 8, width * 7 // 8, height // 3], outline=(0, 0, 0), width=6
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def add_document(
    participant,
    content: bytes,
    *,
    kind: str = "portal_pdf",
    pages: int | None = None,
    state: str = ReviewState.ACCEPTED,
) -> Document:
    """A stored (encrypted) document, as intake and review would leave it."""
    is_pdf = content.startswith(b"%PDF")
    if pages is None:
        pages = 1
        if is_pdf:
            import pikepdf

            with pikepdf.open(io.BytesIO(content)) as pdf:
                pages = len(pdf.pages)
    document = Document(
        participant=participant,
        kind=kind,
        content_type="application/pdf" if is_pdf else "image/jpeg",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
        review_state=state,
    )
    document.storage_name = vault.store(participant.trip_id, content, aad=document.aad)
    document.save()
    if state == ReviewState.ACCEPTED:
        participant.state = ParticipantState.ACCEPTED
        participant.save(update_fields=["state"])
    return document
