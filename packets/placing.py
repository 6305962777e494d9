"""Placing documents on A4 pages, in chunks saved to the build's private temp dir.

PDF pages become Form XObjects scaled into the content box (vector: their text stays text);
photos are the stored JPEG passed through untouched when intake already brought them to print
resolution. The top strip is left for the stamp, the bottom one for the page number. At most
one chunk's decrypted documents are in memory at a time.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from documents import vault

from .errors import BuildError

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
# The stamp strip at the top and the page number at the bottom stay clear of the document.
TOP_STRIP = 14 * MM
BOTTOM_STRIP = 10 * MM
SIDE_MARGIN = 10 * MM
CONTENT_BOX = (SIDE_MARGIN, BOTTOM_STRIP, A4[0] - SIDE_MARGIN, A4[1] - TOP_STRIP)
# Photos are placed no larger than at this resolution (never upscaled); a stored photo more
# than DOWNSCALE_SLACK times larger than needed is downscaled here (intake normally did it).
PRINT_DPI = 200
DOWNSCALE_SLACK = 1.25
# Pages per temporary chunk: bounds how many decrypted documents are held at once.
CHUNK_PAGES = 16


def _page_number_stream(number: int) -> bytes:
    """Bottom-right page number in Helvetica (a standard font: nothing to embed)."""
    size = 8
    text = str(number)
    width = 0.556 * size * len(text)  # Helvetica digits are 556/1000 em
    x = A4[0] - SIDE_MARGIN - width
    y = 4 * MM
    return f"q BT /PkHelv {size} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q".encode()


class _Chunk:
    """Pages of up to CHUNK_PAGES, saved to disk and dropped from memory when full."""

    def __init__(self, tmp: Path):
        import pikepdf

        self.tmp = tmp
        self.paths: list[Path] = []
        self._pikepdf = pikepdf
        self._open()

    def _open(self) -> None:
        pikepdf = self._pikepdf
        self.pdf = pikepdf.new()
        self.sources: list = []
        self.font = self.pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name.Helvetica,
                Encoding=pikepdf.Name.WinAnsiEncoding,
            )
        )

    def new_page(self, number: int):
        page = self.pdf.add_blank_page(page_size=A4)
        page.add_resource(self.font, self._pikepdf.Name.Font, "/PkHelv", replace_existing=True)
        return page

    def finish_page(self, page, number: int) -> None:
        page.contents_add(self._pikepdf.Stream(self.pdf, _page_number_stream(number)))

    def maybe_flush(self) -> None:
        if len(self.pdf.pages) >= CHUNK_PAGES:
            self.flush()

    def flush(self) -> None:
        if len(self.pdf.pages):
            path = self.tmp / f"chunk-{len(self.paths):04d}.pdf"
            # Streams are copied as they are: no decoding and recompressing (qpdf's default
            # would inflate and deflate every document's fonts and content streams, twice).
            self.pdf.save(
                path,
                compress_streams=False,
                stream_decode_level=self._pikepdf.StreamDecodeLevel.none,
            )
            self.paths.append(path)
        for source in self.sources:
            source.close()
        self.pdf.close()
        self._open()


def place_documents(plan, tmp: Path, progress: Callable[[int], None]) -> list[Path]:
    """Decrypt and place every document of the plan; returns the chunk files in order.

    `progress(done)` after each document.
    """
    import pikepdf

    chunk = _Chunk(tmp)
    done = 0
    for row in plan.stamped_rows:
        number = row.start_page
        for item in row.items:
            data = vault.load(plan.trip.pk, item.storage_name, aad=item.aad)
            if data.startswith(b"%PDF"):
                try:
                    source = pikepdf.open(io.BytesIO(data))
                except pikepdf.PdfError as exc:
                    raise BuildError("document_unreadable") from exc
                if len(source.pages) != item.pages:
                    raise BuildError("page_count_mismatch")
                # The source stays open until its chunk is saved (its streams are copied then).
                chunk.sources.append(source)
                for source_page in source.pages:
                    page = chunk.new_page(number)
                    page.add_overlay(source_page, pikepdf.Rectangle(*CONTENT_BOX))
                    chunk.finish_page(page, number)
                    number += 1
            else:
                page = chunk.new_page(number)
                _place_photo(chunk.pdf, page, data)
                chunk.finish_page(page, number)
                number += 1
            del data
            done += 1
            progress(done)
            chunk.maybe_flush()
    chunk.flush()
    return chunk.paths


def _place_photo(pdf, page, data: bytes) -> None:
    """Put a photo on the page at most at PRINT_DPI size, its JPEG bytes untouched if possible."""
    import pikepdf
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG"])
        width, height = image.size
        mode = image.format, image.mode
    except (OSError, ValueError) as exc:
        raise BuildError("document_unreadable") from exc
    box_w = CONTENT_BOX[2] - CONTENT_BOX[0]
    box_h = CONTENT_BOX[3] - CONTENT_BOX[1]
    needed_w, needed_h = box_w / 72 * PRINT_DPI, box_h / 72 * PRINT_DPI
    fit = min(needed_w / width, needed_h / height)
    if mode not in {("JPEG", "RGB"), ("JPEG", "L")} or fit * DOWNSCALE_SLACK < 1:
        data, width, height = _reencode(image, fit)
        mode = ("JPEG", "RGB")
    colour = pikepdf.Name.DeviceGray if mode[1] == "L" else pikepdf.Name.DeviceRGB
    xobject = pikepdf.Stream(pdf, data)
    xobject.Type = pikepdf.Name.XObject
    xobject.Subtype = pikepdf.Name.Image
    xobject.Width, xobject.Height = width, height
    xobject.ColorSpace = colour
    xobject.BitsPerComponent = 8
    xobject.Filter = pikepdf.Name.DCTDecode
    # Shown at PRINT_DPI when it fits (never larger), shrunk to the content box otherwise.
    natural_w, natural_h = width / PRINT_DPI * 72, height / PRINT_DPI * 72
    scale = min(1.0, box_w / natural_w, box_h / natural_h)
    shown_w, shown_h = natural_w * scale, natural_h * scale
    x = CONTENT_BOX[0] + (box_w - shown_w) / 2
    y = CONTENT_BOX[1] + (box_h - shown_h) / 2
    name = page.add_resource(xobject, pikepdf.Name.XObject, prefix="Im")
    content = f"q {shown_w:.3f} 0 0 {shown_h:.3f} {x:.3f} {y:.3f} cm {name} Do Q"
    page.contents_add(pikepdf.Stream(pdf, content.encode()))


def _reencode(image, fit: float) -> tuple[bytes, int, int]:
    """Downscale to PRINT_DPI and re-encode: only for photos intake did not normalise."""
    from PIL import Image, ImageOps

    target = (max(1, int(image.width * min(fit, 1))), max(1, int(image.height * min(fit, 1))))
    if image.format == "JPEG":
        image.draft("RGB", target)  # decode at a DCT scale no smaller than the target
    image = ImageOps.exif_transpose(image.convert("RGB"))
    image.thumbnail(target, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), image.width, image.height
