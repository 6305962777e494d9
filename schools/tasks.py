from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache

from . import lockout

HEARTBEAT_KEY = "heartbeat:last"


@shared_task(name="schools.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Proves beat and a maintenance worker are alive; /healthz reports its age."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


@shared_task(name="schools.ping", ignore_result=False)
def ping(*, value: int) -> int:
    """Round trip used by the health check's worker probe and the real-worker test."""
    return value + 1


@shared_task(name="schools.prune_login_records", ignore_result=True)
def prune_login_records() -> None:
    lockout.prune_login_records()
