"""A logging filter that keeps upload tokens and long digit runs out of every log line."""

from __future__ import annotations

import logging
import re

# Upload links are /u/<token>/; 10+ digit runs may be a My Number or an insurance number.
_TOKEN_PATH = re.compile(r"/u/[A-Za-z0-9_\-]+")
_DIGITS = re.compile(r"(?<!\d)(?:\d[ \-\u3000]?){10,}\d(?!\d)")
_FULLWIDTH_DIGITS = re.compile(r"[０-９]{6,}")
# A UUID (request ids, task ids) is a random identifier, not personal data: its last group may be
# twelve digits, which the digit rule would otherwise blank out.
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)


def _redact_digits(text: str) -> str:
    text = _DIGITS.sub("[digits]", text)
    return _FULLWIDTH_DIGITS.sub("[digits]", text)


def redact(text: str) -> str:
    text = _TOKEN_PATH.sub("/u/[redacted]", text)
    # Redact between UUIDs only, so each UUID is kept whole.
    pieces, last = [], 0
    for match in _UUID.finditer(text):
        pieces.append(_redact_digits(text[last : match.start()]))
        pieces.append(match.group())
        last = match.end()
    pieces.append(_redact_digits(text[last:]))
    return "".join(pieces)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        # The request object carries the token in its path; Django's handlers format it.
        if hasattr(record, "request"):
            record.request = None
        return True
