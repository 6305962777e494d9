"""The stamps: one line of text over every page of a student (name, trip, validity).

A stamp is one line of text (name, trip, 「本旅行期間中のみ有効（YYYY-MM-DD まで）」). WeasyPrint
costs about 2.5 ms for every page even when it is empty, which for 320 students was a whole
core for 1.7 s; so stamps are written here directly: one IPAex Gothic subset (only the
characters the index and the stamps use, packets.fontsubset) embedded once as a CID font with a
ToUnicode map, so the stamp text stays searchable and extractable, and one short content stream
per student. packets.index makes each into a transparent A4 Form XObject, which packets.placing
draws over each of the student's pages.
"""

from __future__ import annotations

import io
import logging

from .fontsubset import face

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
FONT_SIZE = 8
LEFT = 10 * MM
BASELINE = A4[1] - 7 * MM  # in the top strip the builder keeps clear of the documents
RULE_Y = A4[1] - 9.5 * MM
MAX_WIDTH = A4[0] - 2 * LEFT
SEPARATOR = "　"


def stamp_text(name: str, title: str, valid_until: str) -> tuple[str, str]:
    """(the bold part, the rest) of one student's stamp."""
    return name, f"{SEPARATOR}{title}{SEPARATOR}本旅行期間中のみ有効（{valid_until} まで）"


class Font:
    """A subset of the font with the characters of `text`, as a PDF Type0/CIDFontType2 font."""

    def __init__(self, font_path: str, text: str):
        # The font read once per process (warm_up) and subset by glyph copy: milliseconds.
        parsed = face(font_path)
        subset = parsed.subset(text) if parsed is not None else None
        if subset is not None:
            self.data, self.gids, self.widths = subset.data, subset.gids, subset.widths
            self.ascent, self.descent = subset.ascent, subset.descent
        else:
            self._subset_with_fonttools(font_path, text)

    def _subset_with_fonttools(self, font_path: str, text: str) -> None:
        """Any other font (CFF outlines, composite glyphs): fontTools, ~0.2 s."""
        from fontTools import subset  # noqa: PLC0415 (fallback only: fontTools costs ~0.2 s to import)
        from fontTools.ttLib import TTFont  # noqa: PLC0415 (fallback only: fontTools costs ~0.2 s to import)

        # fontTools narrates every subset at INFO; that is noise in a worker's log.
        logging.getLogger("fontTools").setLevel(logging.WARNING)

        options = subset.Options()
        options.layout_features = []
        options.name_IDs = []
        options.hinting = False
        options.notdef_outline = True
        font = TTFont(font_path, lazy=True)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
        self.data = buffer.getvalue()
        scale = 1000 / font["head"].unitsPerEm
        cmap = font.getBestCmap()
        self.gids: dict[str, int] = {}
        self.widths: dict[int, int] = {}
        for char in set(text):
            glyph = cmap.get(ord(char))
            gid = font.getGlyphID(glyph) if glyph else 0
            self.gids[char] = gid
            self.widths[gid] = round(font["hmtx"][glyph or ".notdef"][0] * scale)
        self.ascent = round(font["hhea"].ascent * scale)
        self.descent = round(font["hhea"].descent * scale)

    def encode(self, text: str) -> bytes:
        return "".join(f"{self.gids.get(c, 0):04X}" for c in text).encode()

    def width(self, text: str, size: float) -> float:
        return sum(self.widths.get(self.gids.get(c, 0), 1000) for c in text) * size / 1000

    def to_unicode(self) -> bytes:
        pairs = sorted((gid, char) for char, gid in self.gids.items() if gid)
        lines = [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        ]
        for start in range(0, len(pairs), 100):
            chunk = pairs[start : start + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines += [
                f"<{gid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for gid, char in chunk
            ]
            lines.append("endbfchar")
        lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
        return "\n".join(lines).encode()

    def pdf_object(self, pdf):
        import pikepdf  # noqa: PLC0415 (PDF libraries load in the worker, at warm_up, never in the web process)

        widths = pikepdf.Array()
        for gid in sorted(self.widths):
            widths.extend([gid, pikepdf.Array([self.widths[gid]])])
        descriptor = pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/PKSTMP+IPAexGothic"),
            Flags=4,
            FontBBox=[0, self.descent, 1000, self.ascent],
            ItalicAngle=0,
            Ascent=self.ascent,
            Descent=self.descent,
            CapHeight=self.ascent,
            StemV=80,
            FontFile2=pikepdf.Stream(pdf, self.data),
        )
        cid_font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/PKSTMP+IPAexGothic"),
            CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor),
            DW=1000,
            W=widths,
            CIDToGIDMap=pikepdf.Name.Identity,
        )
        return pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type0,
                BaseFont=pikepdf.Name("/PKSTMP+IPAexGothic"),
                Encoding=pikepdf.Name("/Identity-H"),
                DescendantFonts=[pdf.make_indirect(cid_font)],
                ToUnicode=pikepdf.Stream(pdf, self.to_unicode()),
            )
        )


def _fit(font: Font, bold: str, rest: str) -> tuple[str, str]:
    """Cut the trip title part so the line stays inside the strip (the name is never cut)."""
    while rest and font.width(bold + rest, FONT_SIZE) > MAX_WIDTH:
        rest = rest[:-2] + "…"
    return bold, rest


def stamp_content(font: Font, bold: str, rest: str) -> bytes:
    """The content stream of one stamp page (font resource /PkJ)."""
    bold, rest = _fit(font, bold, rest)
    # Bold by stroking the glyph outlines (render mode 2): IPAex Gothic has no bold face.
    return (
        f"q BT /PkJ {FONT_SIZE} Tf {LEFT:.2f} {BASELINE:.2f} Td "
        f"2 Tr 0.25 w <{font.encode(bold).decode()}> Tj "
        f"0 Tr <{font.encode(rest).decode()}> Tj ET "
        f"0.4 w {LEFT:.2f} {RULE_Y:.2f} m {A4[0] - LEFT:.2f} {RULE_Y:.2f} l S Q"
    ).encode()
