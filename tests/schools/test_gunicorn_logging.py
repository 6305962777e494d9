from __future__ import annotations

import datetime
import io
import logging
from types import SimpleNamespace

from gunicorn.config import Config

from schools.gunicorn_logging import RedactingLogger

TOKEN = "M6DssNWf7SECRETtokenValue1234"


def test_access_log_lines_never_hold_an_upload_token():
    config = Config()
    config.set("accesslog", "-")
    logger = RedactingLogger(config)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream) if isinstance(handler, logging.StreamHandler) else None
    request = SimpleNamespace(
        method="GET",
        path=f"/u/{TOKEN}/",
        query="",
        uri=f"/u/{TOKEN}/",
        version=(1, 1),
        headers=[("REFERER", f"https://school.example/u/{TOKEN}/receipt/")],
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/u/{TOKEN}/",
        "PATH_INFO": f"/u/{TOKEN}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://school.example/u/{TOKEN}/",
    }
    logger.access(response, request, environ, datetime.timedelta(seconds=0.1))
    line = stream.getvalue()
    assert "/u/[redacted]" in line
    assert TOKEN not in line
