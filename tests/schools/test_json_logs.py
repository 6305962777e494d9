"""JSON log lines with the request's id, and still no personal data."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

from django.conf import settings

from schools.logfilters import RedactPersonalData
from schools.logformat import JsonFormatter
from schools.requestid import RequestIdFilter


def _capture(logger_name: str):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logging.getLogger(logger_name).addHandler(handler)
    return stream, handler


def test_a_requests_log_line_is_json_with_its_id_and_no_token(client, db):
    stream, handler = _capture("django.request")
    try:
        response = client.get("/u/SECRET-TOKEN-abcdefghijklmnop/")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert response.status_code == 404
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "the 404 was not logged"
    entry = lines[-1]
    assert set(entry) == {"time", "level", "logger", "message", "request_id"}
    assert entry["level"] == "WARNING" and entry["logger"] == "django.request"
    assert entry["request_id"] == response["X-Request-ID"] and len(entry["request_id"]) == 16
    assert "SECRET-TOKEN" not in stream.getvalue()


def test_the_proxys_request_id_is_kept_and_junk_is_replaced(client, db):
    kept = client.get("/login/", HTTP_X_REQUEST_ID="0123456789abcdef0123")
    assert kept["X-Request-ID"] == "0123456789abcdef0123"
    junk = client.get("/login/", HTTP_X_REQUEST_ID="<script>/u/token")
    assert junk["X-Request-ID"] != "<script>/u/token" and len(junk["X-Request-ID"]) == 16


def test_an_exception_traceback_is_redacted_in_json():
    stream, handler = _capture("tests.json")
    try:
        try:
            raise ValueError("insurer number 061312345678 in /u/SECRET-TOKEN-xyzxyzxyz/")
        except ValueError:
            logging.getLogger("tests.json").exception("failed")
    finally:
        logging.getLogger("tests.json").removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert "ValueError" in entry["exception"] and entry["request_id"] == "-"
    assert "061312345678" not in stream.getvalue() and "SECRET-TOKEN" not in stream.getvalue()


def test_production_logs_json_through_the_redaction_filter(tmp_path):
    code = (
        "import logging, django; django.setup();"
        "logging.getLogger('schools').warning('mail to /u/SECRET-TOKEN-abcdefgh/ failed')"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "schooltrips.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "VAULT_KEYS": "k1:" + "A" * 43 + "=",
        "DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["logger"] == "schools" and entry["request_id"] == "-"
    assert entry["message"] == "mail to /u/[redacted]/ failed"
    for handler in settings.LOGGING["handlers"].values():
        assert "redact" in handler["filters"] and "request_id" in handler["filters"]
