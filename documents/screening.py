"""The OCR screen for photos and image-only PDF pages (DESIGN.md §3, steps 5 and 6 for pictures).

`screen_pages(pages, names=…, expects_name=…)` reads each page with Tesseract and answers with codes
only: a refusal ("my_number", "my_number_card") or review flags ("name_mismatch",
"insurer_check_failed", "unreadable", "not_screened"). The text read lives in local variables of
this module and is dropped when the function returns; the checks are the same ones the PDF text
screen uses (documents.guards).

Cost, which decides the design (2 cores, p95 ≤ 1.5 s per photo): a Tesseract pass with the jpn
model on a 1400 px page costs ~0.3–0.6 s here, so we read the page once in the orientation a cheap
ink-profile test picks, and turn it only when that reading is poor. One jpn pass reads the
12 digits (any layout, full-width too), the card face wording and the names; one digits-only pass
re-reads just the runs of digits the jpn pass may have split or misread, cropped word by word from
the full-resolution page and stacked on one sheet. All passes of a page share one time budget.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.views.decorators.debug import sensitive_variables
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

from . import guards, ocr

# Wall time for all the passes over one page: an upright photo needs ~0.5 s, a sideways one
# with its digits ~2 s on a quiet machine; a picture of noise read four ways took ~15 s of CPU.
PAGE_SECONDS = 6.0
# Long side Tesseract gets: the 12 digits of a card photographed at arm's length stay ~30 px tall.
OCR_LONG_SIDE = 1400
PROFILE_LONG_SIDE = 480
# A page this uniform holds nothing to read: no Tesseract pass is spent on it.
BLANK_STDDEV = 6.0
# A reading this confident, with this many words, is taken as the right way up (readings of a
# page the wrong way up measured 19-42, right-way card photos from 50 up).
GOOD_CONFIDENCE = 50.0
GOOD_WORDS = 4
# Fixed wording of the card face (表面): "個人番号カード"; OCR may miss a character, so parts do.
_FACE_WORDS = ("個人番号カード", "番号カード", "個人番号カ", "人番号カード")
FACE_FIELDS_NEEDED = 2
_FACE_FIELDS = ("住所", "性別", "まで有効", "日生")
# The 個人番号 label or a long digit run in the jpn reading: the digits get a pass of their own.
_NUMBER_LABEL = ("個人", "人番号")
_DIGITS = re.compile(r"\d")
DIGIT_WHITELIST = "0123456789"
MAX_DIGIT_SPANS = 8
# A run of numeric words shorter than this is no number worth a second reading (6: insurer).
MIN_RUN_CHARS = 6
# Digits are scaled to about this height (px) before the digits-only pass.
TARGET_DIGIT_HEIGHT = 40
# A line this short that holds 個人番号 is the card back's label, with its number below.
LABEL_LINE_CHARS = 8
_TWELVE = re.compile(r"\d{12}")
_INSURER_DIGITS = re.compile(r"(?<!\d)(?:\d{8}|\d{6})(?!\d)")
_DIGIT_RUN = re.compile(r"\d[\d \-]{6,}\d")


@dataclass
class Screening:
    """Codes only. `screened` is False when OCR could not run: the upload is kept for review."""

    screened: bool = True
    refusal: str = ""
    flags: list[str] = field(default_factory=list)


def prepare(data: bytes) -> Image.Image:
    """Greyscale, contrast stretched, downscaled to what Tesseract needs (JPEG draft decoding)."""
    im = Image.open(io.BytesIO(data))
    im.draft("L", (OCR_LONG_SIDE, OCR_LONG_SIDE))
    im = im.convert("L")
    im.thumbnail((OCR_LONG_SIDE, OCR_LONG_SIDE), Image.Resampling.BILINEAR)
    return ImageOps.autocontrast(im, cutoff=1)


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    ratio = long_side / max(size)
    return max(round(size[0] * ratio), 1), max(round(size[1] * ratio), 1)


def prepare_full(data: bytes) -> Image.Image:
    """The page at its own resolution (our normalised JPEG: at most 2400 px), greyscale.

    Digit lines are cropped from this copy: the 1400 px one has lost a third of each stroke
    on an A4 photo, and one misread digit is a missed My Number.
    """
    im = Image.open(io.BytesIO(data)).convert("L")
    return ImageOps.autocontrast(im, cutoff=1)


def _profile_score(ink: Image.Image, strips: int = 4) -> float:
    """How strongly rows alternate between ink and gaps, measured in narrow vertical strips.

    Lines of text give a row profile that swings from ink to blank; narrow strips keep a few
    degrees of skew from smearing the gaps. Every other row is compared, so the swing from a
    line to its gap counts rather than the ripple of strokes inside a line.
    """
    width, height = ink.size
    total = 0.0
    for i in range(strips):
        strip = ink.crop((i * width // strips, 0, (i + 1) * width // strips, height))
        rows = strip.resize((1, height), Image.Resampling.BOX).tobytes()[::2]
        total += sum(abs(a - b) for a, b in itertools.pairwise(rows)) / max(height, 1)
    return total


def _gap_score(ink: Image.Image, strips: int = 8) -> float:
    """How many rows are blank between inked ones, in narrow strips: the gaps between lines.

    A card back's QR block swings between ink and blank both ways and misled the alternation
    score on 1 card back in 10; blank rows between lines are what only the text axis has.
    """
    width, height = ink.size
    total = 0.0
    for i in range(strips):
        strip = ink.crop((i * width // strips, 0, (i + 1) * width // strips, height))
        rows = strip.resize((1, height), Image.Resampling.BOX).tobytes()
        top = max(rows, default=0) or 1
        blank = sum(v < 0.05 * top for v in rows)
        inked = sum(v > 0.3 * top for v in rows)
        total += min(blank, inked) / max(height, 1)
    return total


def _axis_score(ink: Image.Image) -> float:
    """Log-odds that the lines run across (> 0) rather than down, from both scores."""
    turned = ink.rotate(90, expand=True)
    swing = math.log((_profile_score(ink) + 1e-6) / (_profile_score(turned) + 1e-6))
    gaps = math.log((_gap_score(ink) + 1e-3) / (_gap_score(turned) + 1e-3))
    # Weight measured on 288 generated photos: the axis right on 287 (was 278 by swing alone).
    return swing + 0.5 * gaps


def orientations(image: Image.Image) -> list[int]:
    """Rotations to try, most likely first: the text-line axis from the ink profile first.

    An empty list when the page has no ink worth reading (a blank or uniform picture).
    """
    small = image.copy()
    small.thumbnail((PROFILE_LONG_SIDE, PROFILE_LONG_SIDE))
    if ImageStat.Stat(small).stddev[0] < BLANK_STDDEV:
        return []
    # After the contrast stretch, dark strokes on a light page → white ink on black.
    ink = ImageOps.invert(small).point(lambda v: 255 if v > 110 else 0)
    ink = ink.filter(ImageFilter.MaxFilter(3))
    if _axis_score(ink) >= 0:
        return [0, 180, 90, 270]
    return [90, 270, 0, 180]


@dataclass
class _Budget:
    """The wall-clock deadline all of a page's Tesseract passes share."""

    deadline: float

    def left(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ocr.OcrUnavailable("ocr_timeout")
        return min(remaining, ocr.WALL_SECONDS)


_TURNS = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180}
_TURNS[270] = Image.Transpose.ROTATE_270


def _turn(image: Image.Image, rotation: int) -> Image.Image:
    return image.transpose(_TURNS[rotation]) if rotation else image


def holds_my_number(text: str) -> bool:
    """A valid 12-digit number within one line of an OCR reading.

    On a photo the number is printed on one line (the card back, a copy of it); joining lines, as
    the PDF text screen must, made a My Number out of an insurer number and the next line's
    digits (one chain in eleven passes the check digit).
    """
    return any(guards.contains_my_number(line) for line in text.splitlines())


@sensitive_variables("reading", "best", "text", "digits")
def screen_image(
    image: Image.Image,
    *,
    names: Iterable[str],
    expects_name: bool,
    full: Image.Image | None = None,
    seconds: float | None = None,
) -> Screening:
    """Screen one upright-or-not page; OcrUnavailable propagates to the caller.

    `image` is the ≤ 1400 px copy the Japanese pass reads; `full` the same page at its own
    resolution, from which digit lines are cropped (defaults to `image`). All the passes of a
    page share `seconds` of wall time: past it the page is not screened (kept for review).
    """
    full = image if full is None else full
    budget = _Budget(time.monotonic() + (PAGE_SECONDS if seconds is None else seconds))
    best: ocr.Reading | None = None
    best_rotation = 0
    for rotation in orientations(image):
        reading = ocr.read(_turn(image, rotation), lang="jpn", psm=6, timeout=budget.left())
        if reading.confidence >= GOOD_CONFIDENCE and reading.words >= GOOD_WORDS:
            best, best_rotation = reading, rotation  # the right way up: never a poorer one
            break
        if best is None or _quality(reading) > _quality(best):
            best, best_rotation = reading, rotation
    text = best.text if best else ""
    if holds_my_number(text):
        return Screening(refusal="my_number")
    if _is_card_face(text):
        return Screening(refusal="my_number_card")
    digits = ""
    if best is not None and _wants_digit_pass(text, best):
        scale = full.width / image.width
        digits = _read_digits(_turn(full, best_rotation), best, scale, budget)
        if holds_my_number(digits):
            return Screening(refusal="my_number")
    flags = []
    if best is None or best.words < GOOD_WORDS:
        flags.append("unreadable")
    elif expects_name and not guards.name_resembles(text, *names):
        flags.append("name_mismatch")
    if guards.insurer_numbers_ok(text) is False and not _insurer_reread_ok(text, digits):
        flags.append("insurer_check_failed")
    return Screening(flags=flags)


Box = tuple[int, int, int, int]
# What OCR makes of a digit now and then: a word mostly of these is a number misread.
_LOOKALIKES = set("0123456789oOlIigqsSzZBe")


def _numeric(word: str) -> bool:
    folded = guards.normalise_text(word)
    alike = sum(c in _LOOKALIKES for c in folded)
    if alike == len(folded) >= 3:
        return True  # "ggeg": a group of four read as letters
    return bool(_DIGITS.search(folded)) and 2 * alike >= len(folded)


def _union(boxes: list[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# The boxes of a run of numeric words, their digits' height, and optionally a box to blank out.
Span = tuple[tuple[Box, ...], int] | tuple[tuple[Box, ...], int, Box]


@sensitive_variables("reading", "words", "word", "text")
def _digit_spans(reading: ocr.Reading) -> list[Span]:
    """What to read again digits-only: runs of numeric words, each with its digits' height.

    The runs of numeric words (without the words around them: a label such as 保険者番号 read
    with a digits whitelist turns into digits too) of six characters or more, three of them
    digits ("5102 ggeg es2>" is a card back's number read badly), and the space under a 個人番号
    label that stands alone on its line (the card back's layout) when the Japanese pass found no
    digits there.
    """
    spans: list[Span] = []
    for words in reading.line_words:
        run: list[Box] = []
        text = ""
        for word, box in (*words, ("", (0, 0, 0, 0))):
            if word and _numeric(word):
                if run and box[0] < run[-1][2]:
                    # Overlapping boxes (a stray "9" read inside a group): one crop of both.
                    run[-1] = _union([run[-1], box])
                else:
                    run.append(box)
                text += word
            elif run:
                # A birth date's "29", "7", "12" cannot hold a number: not worth a strip.
                if len(text) >= MIN_RUN_CHARS and len(_DIGITS.findall(text)) >= 3:
                    spans.append((tuple(run), max(b[3] - b[1] for b in run)))
                run, text = [], ""
    for _line, (left, top, right, bottom) in _lone_labels(reading):
        height = bottom - top
        below = (left - height, bottom, right + 24 * height, bottom + 3 * height)
        if not any(b[1] < below[3] and b[3] > below[1] for span in spans for b in span[0]):
            # The card prints its number at about 1.3 times the label's height, right under
            # it; the band reaches above the label too (a skewed line rises to the right), with
            # the label itself blanked out.
            # Not wider: the card's own edges (a long dark line) made Tesseract read nothing.
            band = (left - height // 2, top - height, right + 19 * height, bottom + 3 * height)
            spans.append(((band,), round(1.3 * height), (left, top, right, bottom)))
    return spans


@sensitive_variables("reading", "line", "words", "word")
def _lone_labels(reading: ocr.Reading) -> list[tuple[str, Box]]:
    """Lines that hold 個人番号 and little else (the card back's label above its number), with
    the box of the label's own words: a stray digit read on the line may sit lower."""
    labels = []
    for (line, box), words in zip(reading.lines, reading.line_words, strict=True):
        if not _has_label(line) or len(guards.fold(line)) > LABEL_LINE_CHARS:
            continue
        own = [b for word, b in words if not _numeric(word) and len(word) > 1] or [box]
        labels.append((line, _union(own)))
    return labels


def _row(full: Image.Image, span: Span, scale: float) -> Image.Image | None:
    """One span as a level strip: each word cropped tight and scaled, side by side.

    Cropping word by word straightens a skewed line and leaves out whatever stands above or
    below it (the label, the next line), which a digits whitelist would read as digits too.
    """
    boxes, digit_height = span[0], span[1]
    height = digit_height * scale
    factor = min(max(TARGET_DIGIT_HEIGHT / max(height, 1), 0.3), 3.0)
    pieces = []
    for left, top, right, bottom in boxes:
        x0 = max(int(left * scale - 0.15 * height), 0)
        y0 = max(int(top * scale - 0.25 * height), 0)
        crop = full.crop(
            (
                x0,
                y0,
                min(int(right * scale + 0.15 * height), full.width),
                min(int(bottom * scale + 0.25 * height), full.height),
            )
        )
        if crop.width < 4 or crop.height < 4:
            continue
        if len(span) == 3:
            m = span[2]
            pad = 0.2 * height
            ImageDraw.Draw(crop).rectangle(
                (
                    m[0] * scale - pad - x0,
                    m[1] * scale - pad - y0,
                    m[2] * scale + pad - x0,
                    m[3] * scale + pad - y0,
                ),
                fill=255,
            )
        size = (max(int(crop.width * factor), 1), max(int(crop.height * factor), 1))
        pieces.append(_flatten(crop.resize(size, Image.Resampling.BICUBIC)))
    if not pieces:
        return None
    gap = TARGET_DIGIT_HEIGHT
    row = Image.new(
        "L",
        (sum(p.width for p in pieces) + gap * (len(pieces) - 1), max(p.height for p in pieces)),
        255,
    )
    x = 0
    for piece in pieces:
        row.paste(piece, (x, (row.height - piece.height) // 2))
        x += piece.width + gap
    return row


def _flatten(image: Image.Image) -> Image.Image:
    """Ink against its local background: the table or shadow around a card turns white.

    The background is the brightest value nearby (a coarse max filter, cheap on a 1/8 copy);
    what is darker than it is ink. A grey table next to white paper otherwise took Tesseract's
    threshold and hid the digits beside it.
    """
    # A window of about a digit's height: wider than any stroke, local enough for a shadow.
    factor = max(1, min(min(image.size) // 8, TARGET_DIGIT_HEIGHT // 3))
    small = image.reduce(factor) if factor > 1 else image
    background = small.filter(ImageFilter.MaxFilter(3)).resize(
        image.size, Image.Resampling.BILINEAR
    )
    return ImageOps.autocontrast(ImageOps.invert(ImageChops.subtract(background, image)), cutoff=1)


@sensitive_variables("parts", "rows", "strips")
def _read_digits(full: Image.Image, reading: ocr.Reading, scale: float, budget: _Budget) -> str:
    """Digits only, each span cropped from the full-resolution page, stacked on one sheet.

    The jpn model splits a card back's 4-4-4 groups or misreads a blurred digit; a digits-only
    pass over just those digits reads them again. Each span becomes a level strip with its
    digits about TARGET_DIGIT_HEIGHT px tall (`_row`); the strips of a page are read in one
    Tesseract run (block mode). The band under a lone 個人番号 label (the jpn pass missed the
    number) is read in sparse mode too: widely spaced full-width digits came back empty from the
    block mode, while a skewed ordinary line came back short from the sparse one. Only when no
    line held 12 digits at all under such a label does the whole page get a digits-only pass.
    """
    spans = _digit_spans(reading)[:MAX_DIGIT_SPANS]
    strips = [row for row in (_row(full, span, scale) for span in spans) if row is not None]
    parts = []
    if strips:
        parts += _read_strips(strips, psm=6, budget=budget)
        if any(len(span) == 3 for span in spans):
            parts += _read_strips(strips, psm=11, budget=budget)
    labels = _lone_labels(reading)
    if labels and not any(_TWELVE.search(part.replace(" ", "")) for part in parts):
        whole = ocr.read(full, lang="eng", psm=6, whitelist=DIGIT_WHITELIST, timeout=budget.left())
        parts += whole.text.splitlines()
    return "\n".join(parts)


@sensitive_variables("sheet", "reading", "found")
def _read_strips(strips: list[Image.Image], *, psm: int, budget: _Budget) -> list[str]:
    """One digits-only run over strips stacked on a white sheet: each strip's text, in order.

    Every word goes back to the strip it sits on, left to right, whatever order Tesseract
    answers in (sparse mode has none).
    """
    gap = TARGET_DIGIT_HEIGHT
    sheet = Image.new(
        "L",
        (max(r.width for r in strips) + 2 * gap, sum(r.height + gap for r in strips) + gap),
        255,
    )
    y, bands = gap, []
    for strip in strips:
        sheet.paste(strip, (gap, y))
        bands.append((y, y + strip.height))
        y += strip.height + gap
    reading = ocr.read(sheet, lang="eng", psm=psm, whitelist=DIGIT_WHITELIST, timeout=budget.left())
    found: list[list[tuple[int, str]]] = [[] for _ in bands]
    for words in reading.line_words:
        for word, (left, top, _right, bottom) in words:
            middle = (top + bottom) / 2
            for index, (start, end) in enumerate(bands):
                if start - gap / 2 <= middle < end + gap / 2:
                    found[index].append((left, word))
                    break
    return [" ".join(word for _, word in sorted(row)) for row in found if row]


def _has_label(text: str) -> bool:
    folded = guards.fold(text)
    return any(label in folded for label in _NUMBER_LABEL)


def _insurer_reread_ok(text: str, digits: str) -> bool:
    """The digits-only pass read a valid insurer number one digit away from the jpn reading.

    The jpn model confuses 1 and 7 now and then; a flag should mean a wrong document, not that.
    """
    read = guards.insurer_numbers(text)
    for candidate in _INSURER_DIGITS.findall(guards.normalise_text(digits)):
        if not guards.insurer_number_valid(candidate):
            continue
        for number in read:
            if len(number) == len(candidate) and (
                sum(a != b for a, b in zip(number, candidate, strict=True)) <= 1
            ):
                return True
    return False


def _wants_digit_pass(text: str, reading: ocr.Reading) -> bool:
    """The 個人番号 label, or a long digit run on a page read with some confidence.

    A digits-only pass over noise (a textured surface, a blurred background) reads digits
    everywhere, and one chain in eleven has a valid check digit: without the label, such a pass
    is only worth running on a page the Japanese pass could actually read.
    """
    normalised = guards.normalise_text(text)
    if any(label in normalised for label in _NUMBER_LABEL):
        return True
    return reading.confidence >= GOOD_CONFIDENCE and bool(_DIGIT_RUN.search(normalised))


def _quality(reading: ocr.Reading) -> float:
    return reading.confidence * min(reading.words, 10)


def _is_card_face(text: str) -> bool:
    folded = guards.fold(text)
    if any(guards.fold(word) in folded for word in _FACE_WORDS):
        return True
    # The face's fixed wording without anything an insurer prints: 住所, 性別, "…日まで有効" and
    # the birth date "…日生"; a line is often lost (the card's name at the bottom, a misread
    # 住), so two of the four are enough. A 資格確認書 prints 保険者番号, and a card back
    # 日生 alone.
    return sum(label in folded for label in _FACE_FIELDS) >= FACE_FIELDS_NEEDED and (
        "保険" not in folded
    )


def screen_pages(pages: Iterable[bytes], *, names: Iterable[str], expects_name: bool) -> Screening:
    """Screen every page (JPEG or PNG bytes); a refusal on any page refuses the document.

    OCR missing or out of time on any page: not screened (kept for review with that flag).
    """
    names = [n for n in names if n]
    if not (ocr.available("jpn") and ocr.available("eng")):
        return Screening(screened=False, flags=["not_screened"])
    flags: list[str] = []
    name_found = False
    for data in pages:
        try:
            full = prepare_full(data)
            image = full
            if max(full.size) > OCR_LONG_SIDE:
                image = full.resize(_fit(full.size, OCR_LONG_SIDE), Image.Resampling.BILINEAR)
            result = screen_image(image, full=full, names=names, expects_name=expects_name)
        except ocr.OcrUnavailable:
            return Screening(screened=False, flags=["not_screened"])
        if result.refusal:
            return result
        name_found = name_found or "name_mismatch" not in result.flags
        flags += [f for f in result.flags if f not in flags and f != "name_mismatch"]
    if expects_name and not name_found:
        flags.append("name_mismatch")
    return Screening(flags=flags)
