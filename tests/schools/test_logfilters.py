from __future__ import annotations

import io
import logging

from schools.logfilters import RedactPersonalData, redact


def test_redact_removes_tokens_and_long_digit_runs():
    text = redact("Not Found: /u/AbC123_-xyz/ my number 1234 5678 9018 insurer ０６１３００１２")
    assert "AbC123" not in text
    assert "1234 5678 9018" not in text
    assert "０６１３００１２" not in text
    assert "/u/[redacted]" in text


def test_the_configured_handler_never_writes_a_token(client, db):
    """A 404 on an upload link goes through django.request; the log line has no token."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/u/SECRET-TOKEN-abcdefghijklmnop/")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "SECRET-TOKEN" not in output
    assert "Not Found" in output


def test_redact_keeps_uuids_whole_but_not_digits_beside_them():
    task_id = "0f8fad5b-d9cb-469f-a165-708677289501"
    digits_only = "12345678-1234-1234-1234-123456789012"
    text = redact(f"task {task_id} and {digits_only} next to 1234 5678 9018")
    assert task_id in text and digits_only in text
    assert "1234 5678 9018" not in text
