"""Health checks: each returns None when healthy or a short failure code."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from .tasks import HEARTBEAT_KEY


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "database"
    return None


def check_broker() -> str | None:
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except Exception:
        return "broker"
    return None


def check_pdf_fonts() -> str | None:
    """WeasyPrint subsets CJK fonts fast only with libharfbuzz-subset (DESIGN.md §3)."""
    try:
        from weasyprint.pdf import fonts  # noqa: PLC0415 (WeasyPrint costs ~1 s to import: only what renders pays it)
    except Exception:
        return "weasyprint"
    return None if fonts.harfbuzz_subset is not None else "harfbuzz_subset"


def beat_age() -> float | None:
    """Seconds since beat's heartbeat last ran on a worker (every 5 minutes); None if never.

    Past ~10 minutes beat or the maintenance workers are down: the hourly purge is not running.
    """
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception:  # the cache is Redis: a broker failure is reported by check_broker
        return None
    return None if last is None else round(max(0.0, time.time() - float(last)), 1)


def failures() -> list[str]:
    return [f for f in (check_database(), check_broker(), check_pdf_fonts()) if f]
