"""Placing documents on A4 pages of the packet itself, their data left on disk until it is saved.

PDF pages become Form XObjects scaled into the content box (vector: their text stays text);
photos are the stored JPEG passed through untouched when intake already brought them to print
resolution. The top strip is left for the stamp, the bottom one for the page number.

Memory is bounded whatever the trip's size: the decrypted documents are kept in memory up to
IN_MEMORY_BYTES in all (a 40-student trip entirely: nothing written but the packet); beyond
that, each document is written into the build's private folder and dropped from memory at once.
Such a PDF is opened from its file (qpdf reads its streams from there when the packet is
saved); such a photo's JPEG is appended to one spool file written as a PDF of image objects
(`_PhotoSpool`), whose objects the pages then refer to. The packet is written once, by one
save (packets.builder): no chunk files, no second pass.
"""

from __future__ import annotations

import io
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass, field
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
PHOTO_NAME = "/PkIm"
# Decrypted documents held in memory until the save, in all; the rest waits on disk.
IN_MEMORY_BYTES = 64 * 2**20
STAMP_NAME = "/PkStamp"


def _page_number_stream(number: int) -> bytes:
    """Bottom-right page number in Helvetica (a standard font: nothing to embed)."""
    size = 8
    text = str(number)
    width = 0.556 * size * len(text)  # Helvetica digits are 556/1000 em
    x = A4[0] - SIDE_MARGIN - width
    y = 4 * MM
    return f"q BT /PkHelv {size} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q".encode()


class _PhotoSpool:
    """The photos' JPEG streams appended to one file, written as a PDF of image objects.

    One file and one open PDF for all the photos (not one per photo: file descriptors), read by
    qpdf only when the packet is saved.
    """

    def __init__(self, path: Path):
        self.path = path
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.file = os.fdopen(fd, "wb")
        self.file.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.offsets: list[int] = []

    def add(self, data: bytes, width: int, height: int, colour: str) -> int:
        """Append one JPEG image object; its object number in the spool."""
        number = len(self.offsets) + 1
        self.offsets.append(self.file.tell())
        self.file.write(
            f"{number} 0 obj\n<< /Type /XObject /Subtype /Image /Width {width} "
            f"/Height {height} /ColorSpace /{colour} /BitsPerComponent 8 /Filter /DCTDecode "
            f"/Length {len(data)} >>\nstream\n".encode()
        )
        self.file.write(data)
        self.file.write(b"\nendstream\nendobj\n")
        return number

    def finish(self):
        """Close the file (catalog, xref, trailer) and open it; None when there is no photo."""
        import pikepdf

        if not self.offsets:
            self.file.close()
            return None
        catalog = len(self.offsets) + 1
        pages = catalog + 1
        for number, body in (
            (catalog, f"<< /Type /Catalog /Pages {pages} 0 R >>"),
            (pages, "<< /Type /Pages /Kids [] /Count 0 >>"),
        ):
            self.offsets.append(self.file.tell())
            self.file.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
        xref = self.file.tell()
        lines = [f"xref\n0 {len(self.offsets) + 1}\n", "0000000000 65535 f \n"]
        lines += [f"{offset:010d} 00000 n \n" for offset in self.offsets]
        lines.append(f"trailer\n<< /Size {len(self.offsets) + 1} /Root {catalog} 0 R >>\n")
        lines.append(f"startxref\n{xref}\n%%EOF\n")
        self.file.write("".join(lines).encode())
        self.file.close()
        return pikepdf.open(self.path)


@dataclass
class Placed:
    """The pages are in the packet; the sources must stay open until it is saved."""

    sources: list = field(default_factory=list)
    version: str = "1.3"  # the highest PDF version among the documents
    held: int = 0  # bytes of decrypted documents kept in memory

    def keep(self, size: int) -> bool:
        """Whether a document of `size` bytes stays in memory (else it goes to disk)."""
        if self.held + size > IN_MEMORY_BYTES:
            return False
        self.held += size
        return True

    def close(self) -> None:
        for source in self.sources:
            source.close()
        self.sources.clear()


def _allow_open_files(count: int) -> None:
    """Every PDF source stays open until the save: raise the soft limit if a trip needs it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def place_documents(plan, pdf, stamps: list, tmp: Path, progress: Callable[[int], None]) -> Placed:
    """Decrypt and place every document of the plan on new pages at the end of `pdf`.

    `stamps[k]` is the stamp Form XObject of the k-th stamped row (in `pdf`). `progress(done)`
    after each document.
    """
    import pikepdf

    placed = Placed()
    _allow_open_files(plan.documents)
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    reader = vault.TripReader(plan.trip.pk)  # the trip's key unwrapped once, not per document
    spool = _PhotoSpool(tmp / "photos.pdf")
    photo_pages: list[tuple[object, int]] = []  # (page, object number in the spool)
    done = 0
    try:
        for row, stamp in zip(plan.stamped_rows, stamps, strict=True):
            number = row.start_page
            for item in row.items:
                try:
                    data = reader.load(item.storage_name, aad=item.aad)
                except OSError:
                    vault.data_key(plan.trip.pk)  # VaultError if the purge destroyed the key
                    raise
                if data.startswith(b"%PDF"):
                    if placed.keep(len(data)):
                        opened = io.BytesIO(data)
                    else:
                        opened = tmp / f"doc-{item.document_id}.pdf"
                        fd = os.open(opened, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                        with os.fdopen(fd, "wb") as handle:
                            handle.write(data)
                    del data
                    try:
                        source = pikepdf.open(opened)
                    except pikepdf.PdfError as exc:
                        raise BuildError("document_unreadable") from exc
                    placed.sources.append(source)
                    placed.version = max(placed.version, source.pdf_version)
                    if len(source.pages) != item.pages:
                        raise BuildError("page_count_mismatch")
                    for source_page in source.pages:
                        page = _new_page(pdf, font, stamp)
                        page.add_overlay(source_page, pikepdf.Rectangle(*CONTENT_BOX))
                        _finish_page(pdf, page, number)
                        number += 1
                else:
                    page = _new_page(pdf, font, stamp)
                    spooled = _place_photo(spool, placed, pdf, page, data)
                    if spooled is not None:
                        photo_pages.append((page, spooled))
                    del data
                    _finish_page(pdf, page, number)
                    number += 1
                done += 1
                progress(done)
        photos = spool.finish()
    except BaseException:
        spool.file.close()
        placed.close()
        raise
    if photos is not None:
        placed.sources.append(photos)
        for page, number in photo_pages:
            # Copied by reference: qpdf reads the JPEG from the spool file when saving.
            image = pdf.copy_foreign(photos.get_object(number, 0))
            page.obj.Resources.XObject[PHOTO_NAME] = image
    return placed


def _new_page(pdf, font, stamp):
    import pikepdf

    page = pdf.add_blank_page(page_size=A4)
    page.obj.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(PkHelv=font),
        XObject=pikepdf.Dictionary({STAMP_NAME: stamp}),
    )
    return page


def _finish_page(pdf, page, number: int) -> None:
    """The page number, then the student's stamp over everything (as qpdf's overlay did)."""
    import pikepdf

    page.contents_add(pikepdf.Stream(pdf, _page_number_stream(number)))
    page.contents_add(pikepdf.Stream(pdf, f"q {STAMP_NAME} Do Q".encode()))


def _place_photo(spool: _PhotoSpool, placed: Placed, pdf, page, data: bytes) -> int | None:
    """Put a photo on the page at most at PRINT_DPI size, its JPEG bytes untouched if possible.

    The image stays in memory if the budget allows (None), else it goes to the spool: its
    object number there (the caller attaches it as PHOTO_NAME once the spool is complete).
    """
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
    colour = "DeviceGray" if mode[1] == "L" else "DeviceRGB"
    number = None
    if placed.keep(len(data)):
        xobject = pikepdf.Stream(pdf, data)
        xobject.Type = pikepdf.Name.XObject
        xobject.Subtype = pikepdf.Name.Image
        xobject.Width, xobject.Height = width, height
        xobject.ColorSpace = pikepdf.Name("/" + colour)
        xobject.BitsPerComponent = 8
        xobject.Filter = pikepdf.Name.DCTDecode
        page.obj.Resources.XObject[PHOTO_NAME] = pdf.make_indirect(xobject)
    else:
        number = spool.add(data, width, height, colour)
    # Shown at PRINT_DPI when it fits (never larger), shrunk to the content box otherwise.
    natural_w, natural_h = width / PRINT_DPI * 72, height / PRINT_DPI * 72
    scale = min(1.0, box_w / natural_w, box_h / natural_h)
    shown_w, shown_h = natural_w * scale, natural_h * scale
    x = CONTENT_BOX[0] + (box_w - shown_w) / 2
    y = CONTENT_BOX[1] + (box_h - shown_h) / 2
    content = f"q {shown_w:.3f} 0 0 {shown_h:.3f} {x:.3f} {y:.3f} cm {PHOTO_NAME} Do Q"
    page.contents_add(pikepdf.Stream(pdf, content.encode()))
    return number


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
