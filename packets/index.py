"""The roster index and the stamp pages, drawn directly into one PDF with one font subset.

An HTML table through WeasyPrint cost ~13 ms a row (320 rows: 4–7 s, the bulk of a build). The
index has a fixed grid (ROWS_PER_INDEX_PAGE rows of 7 mm, fixed column widths, one line of text a
cell, cut with "…" when too long), so it is drawn here the way the stamps are: one fontTools
subset of IPAex Gothic with a ToUnicode map (the text stays searchable), embedded once for the
index pages and the stamps together: the index pages go straight into the packet, each stamp is
a Form XObject drawn over its student's pages (packets.placing). The same columns, shading and
page numbers as the former template.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .stamps import A4, MM, Font, stamp_content, stamp_text

ROWS_PER_INDEX_PAGE = 30
MARGIN_X = 15 * MM
TOP = A4[1] - 15 * MM
TITLE_SIZE = 13
SUB_SIZE = 9
CELL_SIZE = 9
PAGE_NUMBER_SIZE = 8
ROW_HEIGHT = 7 * MM
PADDING = 1.5 * MM
TABLE_TOP = TOP - 8 * MM - 3 * MM  # the title line (8 mm) and its margin (3 mm)
# No., 氏名, 学年・組, 班, 書類, 頁 (180 mm: the A4 width less the margins).
COLUMNS = (10 * MM, 48 * MM, 20 * MM, 20 * MM, 67 * MM, 15 * MM)
HEADERS = ("No.", "氏名", "学年・組", "班", "書類", "頁")
HEADER_GREY = 0xDD / 255
EVEN_GREY = 0xF0 / 255
MISSING_RGB = (0xBB / 255, 0, 0)
ELLIPSIS = "…"


def index_pages(rows: list) -> list[list]:
    """The rows split into index pages (one empty page when there are none)."""
    return [
        rows[i : i + ROWS_PER_INDEX_PAGE] for i in range(0, len(rows), ROWS_PER_INDEX_PAGE)
    ] or [[]]


def _cells(row) -> tuple[str, ...]:
    page = str(row.start_page) if row.start_page else "—"
    return (str(row.position), row.name, row.grade_class, row.group, row.kind_label, page)


def _title(group_name: str) -> str:
    return f"参加者一覧（{group_name}）" if group_name else "参加者一覧"


def _clip(font: Font, text: str, size: float, width: float) -> str:
    """The text cut with an ellipsis to fit `width` (text-overflow: ellipsis)."""
    if font.width(text, size) <= width:
        return text
    while text and font.width(text + ELLIPSIS, size) > width:
        text = text[:-1]
    return text + ELLIPSIS


def _text(font: Font, x: float, y: float, size: float, text: str, *, bold=False) -> str:
    mode = "2 Tr 0.25 w " if bold else "0 Tr "
    return f"BT /PkJ {size} Tf {x:.2f} {y:.2f} Td {mode}<{font.encode(text).decode()}> Tj ET "


def _baseline(row_top: float, size: float) -> float:
    # Vertically centred in the 7 mm line, as `line-height: 7mm` did (IPAex: ascent .88 em).
    return row_top - ROW_HEIGHT / 2 - size * 0.35


def _row(font: Font, cells: tuple[str, ...], top: float, *, bold: bool) -> str:
    out, x = [], MARGIN_X
    for text, width in zip(cells, COLUMNS, strict=True):
        clipped = _clip(font, text, CELL_SIZE, width - 2 * PADDING)
        out.append(
            _text(font, x + PADDING, _baseline(top, CELL_SIZE), CELL_SIZE, clipped, bold=bold)
        )
        x += width
    return "".join(out)


def index_page_content(
    font: Font, rows: list, *, title: str, trip_title: str, number: int
) -> bytes:
    """One index page: title, header row, up to ROWS_PER_INDEX_PAGE rows, page number."""
    width = sum(COLUMNS)
    parts = ["q "]
    title_y = TOP - 8 * MM / 2 - TITLE_SIZE * 0.35
    parts.append(_text(font, MARGIN_X, title_y, TITLE_SIZE, title, bold=True))
    sub_x = MARGIN_X + font.width(title, TITLE_SIZE) + 4 * MM
    sub = _clip(font, trip_title, SUB_SIZE, MARGIN_X + width - sub_x)
    parts.append(_text(font, sub_x, title_y, SUB_SIZE, sub))
    # Shading first, text on top: the header and every even row.
    parts.append(f"{HEADER_GREY:.3f} g {MARGIN_X:.2f} {TABLE_TOP - ROW_HEIGHT:.2f} ")
    parts.append(f"{width:.2f} {ROW_HEIGHT:.2f} re f ")
    parts.append(f"{EVEN_GREY:.3f} g ")
    for i in range(1, len(rows), 2):
        top = TABLE_TOP - ROW_HEIGHT * (i + 1)
        parts.append(f"{MARGIN_X:.2f} {top - ROW_HEIGHT:.2f} {width:.2f} {ROW_HEIGHT:.2f} re f ")
    parts.append("0 g 0 G ")
    parts.append(_row(font, HEADERS, TABLE_TOP, bold=True))
    for i, row in enumerate(rows):
        top = TABLE_TOP - ROW_HEIGHT * (i + 1)
        if row.status == "missing":
            parts.append("{:.3f} {:.3f} {:.3f} rg ".format(*MISSING_RGB))
            parts.append(_row(font, _cells(row), top, bold=False))
            parts.append("0 g ")
        else:
            parts.append(_row(font, _cells(row), top, bold=False))
    label = str(number)
    x = A4[0] - MARGIN_X - font.width(label, PAGE_NUMBER_SIZE)
    parts.append(_text(font, x, 7 * MM - PAGE_NUMBER_SIZE * 0.35, PAGE_NUMBER_SIZE, label))
    parts.append("Q")
    return "".join(parts).encode()


@dataclass
class Drawn:
    index_pages: int  # pages added to the packet
    stamps: list  # one stamp Form XObject per stamped row, in order
    stamp_seconds: float  # of the whole drawing, the part spent on the stamps


def draw_index_and_stamps(plan, font_path: str, pdf, *, first_page: int = 2) -> Drawn:
    """Index pages appended to `pdf` (numbered from `first_page`), and the stamps.

    A stamp is a transparent A4 Form XObject drawn over each of its student's pages (what
    qpdf's overlay of a stamp page made before); index and stamps share one font subset.
    """
    import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

    pages = index_pages(plan.rows)
    title = _title(plan.group_name)
    until = plan.trip.end_date.isoformat()
    stamps = [stamp_text(row.name, plan.trip.title, until) for row in plan.stamped_rows]
    text = [title, plan.trip.title, *HEADERS, ELLIPSIS, "0123456789—"]
    text += ["".join(_cells(row)) for row in plan.rows]
    text += [bold + rest for bold, rest in stamps]
    font = Font(font_path, "".join(text))
    resources = pdf.make_indirect(
        pikepdf.Dictionary(Font=pikepdf.Dictionary(PkJ=font.pdf_object(pdf)))
    )
    for number, rows in enumerate(pages, start=first_page):
        page = pdf.add_blank_page(page_size=A4)
        page.obj.Resources = resources
        content = index_page_content(
            font, rows, title=title, trip_title=plan.trip.title, number=number
        )
        page.obj.Contents = pdf.make_indirect(pikepdf.Stream(pdf, content))
    started = time.perf_counter()
    forms = []
    for bold, rest in stamps:
        form = pikepdf.Stream(pdf, stamp_content(font, bold, rest))
        form.Type = pikepdf.Name.XObject
        form.Subtype = pikepdf.Name.Form
        form.BBox = pikepdf.Array([0, 0, A4[0], A4[1]])
        form.Resources = resources
        forms.append(pdf.make_indirect(form))
    return Drawn(index_pages=len(pages), stamps=forms, stamp_seconds=time.perf_counter() - started)
