"""Screens run on a document's text, in memory only (DESIGN.md §1 legal points).

Nothing these functions read is stored or logged: they answer yes/no, or a short flag code.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

# Between two digit groups of one number: up to three spaces, line breaks, dots, slashes or
# hyphens (4-4-4 as printed, split across lines, one digit per text run as PDF extraction
# sometimes gives, "1234.5678.9018", "1234/5678/9018").
_SEPARATOR = re.compile(r"[\s.\-/‐‑–—－ー]{1,3}")
_DASHES = frozenset("-‐‑–—－ー")
_DIGIT_GROUP = re.compile(r"\d+")
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


def _separator_kind(separator: str) -> str | None:
    """ " " for whitespace, the mark for one kind of punctuation, None if it splits numbers."""
    if not _SEPARATOR.fullmatch(separator):
        return None
    marks = {"-" if c in _DASHES else c for c in separator if not c.isspace()}
    if not marks:
        return " "
    return marks.pop() if len(marks) == 1 else None


def digit_chains(text: str) -> list[str]:
    """The numbers in a text, each a chain of digit groups split by ONE kind of separator.

    One kind per chain keeps neighbouring numbers apart: "2026/12/03 2026/12/05" is two dates,
    not twelve digits; "1234 5678 9018 7" is one thirteen-digit number, not a My Number.
    """
    groups = list(_DIGIT_GROUP.finditer(text))
    if not groups:
        return []
    chains, chain, kind = [], [groups[0].group()], None
    for previous, current in itertools.pairwise(groups):
        separator_kind = _separator_kind(text[previous.end() : current.start()])
        if separator_kind is not None and kind in (None, separator_kind):
            chain.append(current.group())
            kind = separator_kind
            continue
        chains.append("".join(chain))
        # A change of separator starts a new chain at the group both numbers may share.
        chain = [current.group()] if separator_kind is None else [previous.group(), current.group()]
        kind = separator_kind
    chains.append("".join(chain))
    return chains


def contains_my_number(text: str) -> bool:
    """Any 12-digit number with a valid 個人番号 check digit, however it is spaced or split."""
    return any(is_my_number(digits) for digits in digit_chains(normalise_text(text)))


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


def insurer_numbers_ok(text: str) -> bool | None:
    """None when no 保険者番号 is printed; else whether every one found checks out."""
    found = [re.sub(r"\D", "", m) for m in _INSURER.findall(normalise_text(text))]
    if not found:
        return None
    return all(insurer_number_valid(number) for number in found)


def _fold(text: str) -> str:
    """Spaces dropped, katakana folded to hiragana, width folded: 山田 太郎 == 山田太郎."""
    text = _SPACES.sub("", normalise_text(text))
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def name_appears(text: str, *names: str) -> bool:
    """Whether the roster name (kanji) or kana appears in the document text, spaces ignored."""
    haystack = _fold(text)
    return any(_fold(name) and _fold(name) in haystack for name in names if name)
