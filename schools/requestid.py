"""A request id on every log line of a request (and on the response), for tracing without names.

The id is random, or the proxy's X-Request-ID when it looks like one (nginx's $request_id), so
the proxy's access log and ours can be joined. It carries nothing about the person.
"""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("request_id", default="-")
_VALID = re.compile(r"[A-Za-z0-9\-]{8,64}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        value = given if _VALID.fullmatch(given) else secrets.token_hex(8)
        # Not reset on the way out: Django logs "Not Found" and errors after the middleware
        # chain returns. request_finished clears it once the response is closed.
        request_id.set(value)
        response = self.get_response(request)
        response["X-Request-ID"] = value
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs) -> None:
    request_id.set("-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True
