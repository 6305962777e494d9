"""The OCR screen for photos and image-only PDF pages (DESIGN.md §3, steps 5 and 6 for pictures).

`screen_pages(pages, names=…, expects_name=…)` reads each page with Tesseract and answers with codes
only: a refusal ("my_number", "my_number_card") or review flags ("name_mismatch",
"insurer_check_failed", "unreadable", "not_screened"). The text read lives in local variables of
this module and is dropped when the function returns; the checks are the same ones the PDF text
screen uses (documents.guards).

Cost, which decides the design (2 cores, p95 ≤ 1.5 s per photo): a Tesseract pass with the jpn
model on a 1400 px page costs ~0.4–0.8 s here, so we read the page once in the orientation a cheap
ink-profile test picks, and turn it only when that reading is poor. One jpn pass reads the
12 digits (any layout, full-width too), the card face wording and the names; a digits-only pass
runs only when the page has a run of digits the jpn pass may have split or misread.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.views.decorators.debug import sensitive_variables
from PIL import Image, ImageFilter, ImageOps, ImageStat

from . import guards, ocr

# Long side Tesseract gets: the 12 digits of a card photographed at arm's length stay ~30 px tall.
OCR_LONG_SIDE = 1400
PROFILE_LONG_SIDE = 480
# A page this uniform holds nothing to read: no Tesseract pass is spent on it.
BLANK_STDDEV = 6.0
# A reading this confident, with this many words, is taken as the right way up.
GOOD_CONFIDENCE = 55.0
GOOD_WORDS = 4
# Fixed wording of the card face (表面): "個人番号カード"; OCR may miss a character, so parts do.
_FACE_WORDS = ("個人番号カード", "番号カード", "個人番号カ", "人番号カード")
_FACE_FIELDS = ("住所", "性別", "有効")
# The 個人番号 label or a long digit run in the jpn reading: the digits get a pass of their own.
_NUMBER_LABEL = ("個人", "人番号")
_DIGITS = re.compile(r"\d")
DIGIT_WHITELIST = "0123456789"
MAX_DIGIT_LINES = 4
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


def _profile_score(ink: Image.Image, strips: int = 4) -> float:
    """How strongly rows alternate between ink and gaps, measured in narrow vertical strips.

    Lines of text give a row profile that swings from ink to blank; narrow strips keep a few
    degrees of skew from smearing the gaps.
    """
    width, height = ink.size
    total = 0.0
    for i in range(strips):
        strip = ink.crop((i * width // strips, 0, (i + 1) * width // strips, height))
        rows = strip.resize((1, height), Image.Resampling.BOX).tobytes()
        total += sum(abs(a - b) for a, b in itertools.pairwise(rows)) / max(height, 1)
    return total


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
    horizontal = _profile_score(ink)
    vertical = _profile_score(ink.rotate(90, expand=True))
    if horizontal >= vertical:
        return [0, 180, 90, 270]
    return [90, 270, 0, 180]


@sensitive_variables("reading", "best", "text", "digits")
def screen_image(image: Image.Image, *, names: Iterable[str], expects_name: bool) -> Screening:
    """Screen one upright-or-not page; OcrUnavailable propagates to the caller."""
    best: ocr.Reading | None = None
    for rotation in orientations(image):
        turned = image.rotate(rotation, expand=True) if rotation else image
        reading = ocr.read(turned, lang="jpn", psm=6)
        if reading.confidence >= GOOD_CONFIDENCE and reading.words >= GOOD_WORDS:
            best, best_turned = reading, turned  # the right way up: never a poorer earlier one
            break
        if best is None or _quality(reading) > _quality(best):
            best, best_turned = reading, turned
    text = best.text if best else ""
    if guards.contains_my_number(text):
        return Screening(refusal="my_number")
    if _is_card_face(text):
        return Screening(refusal="my_number_card")
    digits = ""
    if best is not None and _wants_digit_pass(text, best):
        digits = _read_digits(best_turned, best)
        if guards.contains_my_number(digits):
            return Screening(refusal="my_number")
    flags = []
    if best is None or best.words < GOOD_WORDS:
        flags.append("unreadable")
    elif expects_name and not guards.name_resembles(text, *names):
        flags.append("name_mismatch")
    if guards.insurer_numbers_ok(text) is False and not _insurer_reread_ok(text, digits):
        flags.append("insurer_check_failed")
    return Screening(flags=flags)


@sensitive_variables("reading", "line", "parts")
def _read_digits(image: Image.Image, reading: ocr.Reading) -> str:
    """Digits only, line by line: each line that showed digits, cropped and enlarged.

    The jpn model splits a card back's 4-4-4 groups or misreads a blurred digit; a digits-only
    pass over a 3x crop of just that line (a fraction of the page's pixels) reads it again;
    when that finds no number, the whole page gets one digits-only pass.
    """
    parts = []
    boxes = [box for line, box in reading.lines if len(_DIGITS.findall(line)) >= 6]
    for left, top, right, bottom in boxes[:MAX_DIGIT_LINES]:
        margin = (bottom - top) // 2 + 4
        crop = image.crop((left - margin, top - margin, right + margin, bottom + margin))
        crop = crop.resize((crop.width * 3, crop.height * 3), Image.Resampling.BICUBIC)
        parts.append(ocr.read(crop, lang="eng", psm=7, whitelist=DIGIT_WHITELIST).text)
    if not guards.contains_my_number("\n".join(parts)):
        parts.append(ocr.read(image, lang="eng", psm=6, whitelist=DIGIT_WHITELIST).text)
    return "\n".join(parts)


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
    # The face's fixed field labels without anything an insurer prints.
    return all(label in folded for label in _FACE_FIELDS) and "保険" not in folded


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
            result = screen_image(prepare(data), names=names, expects_name=expects_name)
        except ocr.OcrUnavailable:
            return Screening(screened=False, flags=["not_screened"])
        if result.refusal:
            return result
        name_found = name_found or "name_mismatch" not in result.flags
        flags += [f for f in result.flags if f not in flags and f != "name_mismatch"]
    if expects_name and not name_found:
        flags.append("name_mismatch")
    return Screening(flags=flags)
