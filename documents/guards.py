"""Screens run on a document's text, in memory only (DESIGN.md §1 legal points).

Nothing these functions read is stored or logged: they answer yes/no, or a short flag code.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# A run of digit groups joined by short separators: spaces (one or more), a line break,
# hyphens, dots, slashes, middle dots. NFKC has already folded full-width forms to ASCII.
_SEP_CHARS = r"\s.\/\-‐‑–—ー・･"
_RUN = re.compile(rf"[0-9]+(?:[{_SEP_CHARS}]{{1,4}}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_INSURER = re.compile(r"保険者番号\D{0,12}?((?:\d\s?){5,7}\d)(?!\d)")
_SPACES = re.compile(r"[\s\u3000・･]+")


def normalise_text(text: str) -> str:
    """NFKC folds full-width digits, hyphens and spaces to ASCII; case is left alone."""
    return unicodedata.normalize("NFKC", text or "")


def my_number_check_digit(base11: str) -> int:
    """個人番号 check digit (総務省令第85号 §5) for the first 11 digits."""
    if len(base11) != 11 or not base11.isdigit():
        raise ValueError("eleven digits expected")
    total = 0
    for n in range(1, 12):
        digit = int(base11[11 - n])  # n counts from the right
        weight = n + 1 if n <= 6 else n - 5
        total += digit * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(digits: str) -> bool:
    return (
        len(digits) == 12
        and digits.isdigit()
        and my_number_check_digit(digits[:11]) == int(digits[11])
    )


def _strong(separator: str) -> bool:
    # A line break, a tab or two spaces end a field in extracted text; a single space, hyphen,
    # dot or slash keeps one number going ("1234 5678 9018 7" is 13 digits, not a My Number).
    return any(c in separator for c in "\n\r\t\f\v") or sum(c.isspace() for c in separator) > 1


def _candidates(run: str):
    """The digit strings a run may hold a My Number in: whole groups between strong breaks."""
    groups = [(m.group(0), m.start(), m.end()) for m in _GROUP.finditer(run)]
    # Boundaries: indices i where a candidate may start (before group i) or end (after i-1).
    bounds = [0]
    bounds += [i for i in range(1, len(groups)) if _strong(run[groups[i - 1][2] : groups[i][1]])]
    bounds.append(len(groups))
    ends = set(bounds)
    for start in bounds[:-1]:
        digits = ""
        for i in range(start, len(groups)):
            digits += groups[i][0]
            if len(digits) > 12:
                break
            if len(digits) == 12 and i + 1 in ends:
                yield digits


def contains_my_number(text: str) -> bool:
    """Any 12 digits with a valid 個人番号 check digit, however the text splits them.

    Spaced, hyphenated, dotted, slashed, full-width, or broken across lines; the 12 digits must
    be whole groups of the run, starting and ending at the run's ends or at a line break (or a
    double space), so a phone number followed by a postal code does not make one.
    """
    normalised = normalise_text(text)
    for match in _RUN.finditer(normalised):
        if any(is_my_number(digits) for digits in _candidates(match.group(0))):
            return True
    return False


def insurer_number_valid(number: str) -> bool:
    """保険者番号 check digit: weights 2,1,2,1… from the right over the body, digit sums."""
    if not number.isdigit() or len(number) not in (6, 8):
        return False
    body, check = number[:-1], int(number[-1])
    total = 0
    for i, char in enumerate(reversed(body)):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == check


def insurer_numbers(text: str) -> list[str]:
    """The digits printed after each 保険者番号 label (in memory only)."""
    return [re.sub(r"\D", "", m) for m in _INSURER.findall(normalise_text(text))]


def insurer_numbers_ok(text: str) -> bool | None:
    """None when no 保険者番号 is printed; else whether every one found checks out."""
    found = insurer_numbers(text)
    if not found:
        return None
    return all(insurer_number_valid(number) for number in found)


def fold(text: str) -> str:
    """Spaces dropped, katakana folded to hiragana, width folded: 山田 太郎 == 山田太郎."""
    text = _SPACES.sub("", normalise_text(text))
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def name_appears(text: str, *names: str) -> bool:
    """Whether the roster name (kanji) or kana appears in the document text, spaces ignored."""
    haystack = fold(text)
    return any(fold(name) and fold(name) in haystack for name in names if name)


# How close an OCR reading must come to the roster name: one misread character in a four-character
# name (山田太郎 → 山田太朗) still matches, another child's name (山田花子) does not.
NAME_SIMILARITY = 0.74


def name_resembles(text: str, *names: str) -> bool:
    """`name_appears`, tolerant of OCR: some window of the text is close to the folded name."""
    if name_appears(text, *names):
        return True
    haystack = fold(text)
    for name in filter(None, map(fold, names)):
        size = len(name)
        if size < 3:
            continue
        for start in range(max(len(haystack) - size + 1, 1)):
            window = haystack[start : start + size]
            matcher = SequenceMatcher(None, name, window, autojunk=False)
            if matcher.real_quick_ratio() < NAME_SIMILARITY:
                continue
            if matcher.ratio() >= NAME_SIMILARITY:
                return True
    return False
