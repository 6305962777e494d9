"""JSON log lines for production (LOG_FORMAT=json): one object per record, for a log collector.

Only these fields are written: time, level, logger, message, request id and the exception's
traceback. Every handler also has the redaction filter (schools/logfilters.py), and the traceback
is redacted here too, since a filter sees only the message.
"""

from __future__ import annotations

import datetime
import json
import logging

from .logfilters import redact


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
