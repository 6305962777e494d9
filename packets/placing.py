"""Placing documents on A4 pages of the packet itself, written by one save.

PDF pages become Form XObjects scaled into the content box (vector: their text stays text);
photos are the stored JPEG passed through untouched when intake already brought them to print
resolution. The top strip is left for the stamp, the bottom one for the page number.

Two steps. `prepare_documents` decrypts the documents in order: photos (the bulk of a packet's
bytes) are kept in memory up to IN_MEMORY_BYTES in all (a 40-student trip entirely: nothing is
written but the packet), beyond that their JPEG is appended to a spool file in the build's
private folder, written as a PDF of image objects (`_PhotoSpool`). That file, opened, is the
packet document: `place_documents` adds the pages to it, and the spooled photos are its own
objects, which qpdf reads from the file only when the packet is saved, so memory stays bounded
whatever the trip's size. (A photo copied in from another file would be read into memory at
once: pikepdf copies foreign streams immediately; PDFs are copied that way, and are small.)
The packet is written once, by one save (packets.builder): no chunk files, no second pass.
"""

from __future__ import annotations

import io
import os
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

    That file, opened, becomes the packet document itself (`Prepared.open_packet`): the photos
    are its own objects, read from the file by qpdf only when the packet is saved.
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
        """Close the file (catalog, xref, trailer) and open it as a PDF with no pages yet."""
        import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

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
        return pikepdf.open(self.path, access_mode=pikepdf.AccessMode.stream)


@dataclass
class _Photo:
    width: int
    height: int
    colour: str
    data: bytes | None  # in memory, or
    number: int | None  # its object in the spool (the packet's own file)


@dataclass
class Prepared:
    """The documents decrypted, in plan order: PDF bytes, photos in memory or in the spool."""

    spool: _PhotoSpool
    documents: list = field(default_factory=list)  # bytes (a PDF) or _Photo
    held: int = 0  # bytes of photos kept in memory

    def keep(self, size: int) -> bool:
        """Whether a photo of `size` bytes stays in memory (else it goes to the spool)."""
        if self.held + size > IN_MEMORY_BYTES:
            return False
        self.held += size
        return True

    def open_packet(self):
        """The packet document: the spool file opened, its photos its own objects.

        Own objects are read from the file only when the packet is saved; a photo copied in
        from another PDF would be read into memory at once (pikepdf copies foreign streams
        immediately).
        """
        return self.spool.finish()

    def close(self) -> None:
        self.spool.file.close()


def prepare_documents(plan, tmp: Path, progress: Callable[[int], None]) -> Prepared:
    """Decrypt every document of the plan; photos beyond IN_MEMORY_BYTES go to the spool.

    `progress(done)` after each document.
    """
    reader = vault.TripReader(plan.trip.pk)  # the trip's key unwrapped once, not per document
    prepared = Prepared(spool=_PhotoSpool(tmp / "photos.pdf"))
    done = 0
    try:
        for row in plan.stamped_rows:
            for item in row.items:
                try:
                    data = reader.load(item.storage_name, aad=item.aad)
                except OSError:
                    vault.data_key(plan.trip.pk)  # VaultError if the purge destroyed the key
                    raise
                if data.startswith(b"%PDF"):
                    prepared.documents.append(data)
                else:
                    prepared.documents.append(_prepare_photo(prepared, data))
                del data
                done += 1
                progress(done)
    except BaseException:
        prepared.close()
        raise
    return prepared


def place_documents(
    plan, pdf, prepared: Prepared, stamps: list, progress: Callable[[int], None]
) -> str:
    """Place the prepared documents on new pages at the end of `pdf`; the highest PDF version.

    `stamps[k]` is the stamp Form XObject of the k-th stamped row (in `pdf`). `progress(done)`
    after each document.
    """
    import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    version = "1.3"
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    documents = iter(prepared.documents)
    done = 0
    for row, stamp in zip(plan.stamped_rows, stamps, strict=True):
        number = row.start_page
        for item in row.items:
            document = next(documents)
            if isinstance(document, bytes):
                try:
                    source = pikepdf.open(io.BytesIO(document))
                except pikepdf.PdfError as exc:
                    raise BuildError("document_unreadable") from exc
                # Copied into the packet as it is placed (pikepdf copies at once): the source
                # can go right after.
                with source:
                    version = max(version, source.pdf_version)
                    if len(source.pages) != item.pages:
                        raise BuildError("page_count_mismatch")
                    for source_page in source.pages:
                        page = _new_page(pdf, font, stamp)
                        page.add_overlay(source_page, pikepdf.Rectangle(*CONTENT_BOX))
                        _finish_page(pdf, page, number)
                        number += 1
            else:
                page = _new_page(pdf, font, stamp)
                _place_photo(pdf, page, document)
                _finish_page(pdf, page, number)
                number += 1
            done += 1
            progress(done)
    prepared.documents.clear()
    return version


def _new_page(pdf, font, stamp):
    import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    page = pdf.add_blank_page(page_size=A4)
    page.obj.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(PkHelv=font),
        XObject=pikepdf.Dictionary({STAMP_NAME: stamp}),
    )
    return page


def _finish_page(pdf, page, number: int) -> None:
    """The page number, then the student's stamp over everything (as qpdf's overlay did)."""
    import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    page.contents_add(pikepdf.Stream(pdf, _page_number_stream(number)))
    page.contents_add(pikepdf.Stream(pdf, f"q {STAMP_NAME} Do Q".encode()))


def _prepare_photo(prepared: Prepared, data: bytes) -> _Photo:
    """The photo's JPEG untouched if possible (else downscaled once), in memory or spooled."""
    from PIL import Image  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

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
    if prepared.keep(len(data)):
        return _Photo(width, height, colour, data=data, number=None)
    return _Photo(
        width, height, colour, data=None, number=prepared.spool.add(data, width, height, colour)
    )


def _place_photo(pdf, page, photo: _Photo) -> None:
    """Put a photo on the page at most at PRINT_DPI size (never larger)."""
    import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    if photo.number is not None:
        xobject = pdf.get_object(photo.number, 0)  # in the packet's own file
    else:
        xobject = pikepdf.Stream(pdf, photo.data)
        xobject.Type = pikepdf.Name.XObject
        xobject.Subtype = pikepdf.Name.Image
        xobject.Width, xobject.Height = photo.width, photo.height
        xobject.ColorSpace = pikepdf.Name("/" + photo.colour)
        xobject.BitsPerComponent = 8
        xobject.Filter = pikepdf.Name.DCTDecode
        xobject = pdf.make_indirect(xobject)
        photo.data = None
    page.obj.Resources.XObject[PHOTO_NAME] = xobject
    box_w = CONTENT_BOX[2] - CONTENT_BOX[0]
    box_h = CONTENT_BOX[3] - CONTENT_BOX[1]
    # Shown at PRINT_DPI when it fits (never larger), shrunk to the content box otherwise.
    natural_w, natural_h = photo.width / PRINT_DPI * 72, photo.height / PRINT_DPI * 72
    scale = min(1.0, box_w / natural_w, box_h / natural_h)
    shown_w, shown_h = natural_w * scale, natural_h * scale
    x = CONTENT_BOX[0] + (box_w - shown_w) / 2
    y = CONTENT_BOX[1] + (box_h - shown_h) / 2
    content = f"q {shown_w:.3f} 0 0 {shown_h:.3f} {x:.3f} {y:.3f} cm {PHOTO_NAME} Do Q"
    page.contents_add(pikepdf.Stream(pdf, content.encode()))


def _reencode(image, fit: float) -> tuple[bytes, int, int]:
    """Downscale to PRINT_DPI and re-encode: only for photos intake did not normalise."""
    from PIL import Image, ImageOps  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    target = (max(1, int(image.width * min(fit, 1))), max(1, int(image.height * min(fit, 1))))
    if image.format == "JPEG":
        image.draft("RGB", target)  # decode at a DCT scale no smaller than the target
    image = ImageOps.exif_transpose(image.convert("RGB"))
    image.thumbnail(target, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue(), image.width, image.height
