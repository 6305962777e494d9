"""Gunicorn's access log, with upload tokens and long digit runs redacted.

Django's logging filter never sees gunicorn's own access lines, which carry the request path
(`/u/<token>/`) and the referer. Use with `gunicorn --logger-class
schools.gunicorn_logging.RedactingLogger`.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .logfilters import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
