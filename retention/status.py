"""The site's operational state for an operator and a monitor: counts and ages, nothing personal.

Queue lengths, the oldest purge that is due but not done, failed purges, vault files still
waiting for deletion, when beat last ran, and the uploads in the intake pipeline against the
site-wide limit. The same dict feeds the operator page and the JSON that a monitor polls
(`operator_status` and `operator_status_json` in retention/views.py).
"""

from __future__ import annotations

import datetime

import redis
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from documents import admission
from documents.models import PendingFileDeletion
from schools import health
from trips.models import Trip

from .models import SweepRun, SweepStatus
from .purge import due_trip_ids

# Kombu's Redis transport keeps a queue's messages of priority 0 in a list named after the queue
# and the other priority steps in lists with this separator and the step appended.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_lengths() -> dict[str, int | None]:
    """Messages waiting in each Celery queue (None for every queue when Redis does not answer)."""
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
        )
        return {
            queue: sum(client.llen(f"{prefix}{queue}{s}") for s in _PRIORITY_SUFFIXES)
            for queue in settings.WORKER_QUEUES
        }
    except redis.RedisError:
        return dict.fromkeys(settings.WORKER_QUEUES)


def _age(moment: datetime.datetime | None, now: datetime.datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def snapshot(now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    due = Trip.objects.filter(pk__in=due_trip_ids(now)).select_related("school")
    oldest_due = min((trip.purge_due_at for trip in due), default=None)
    pending = PendingFileDeletion.objects.aggregate(attempts=Max("attempts"))
    runs = SweepRun.objects.filter(dry_run=False)
    last = runs.first()
    last_ok = runs.filter(status=SweepStatus.OK).first()
    return {
        "queues": queue_lengths(),
        "purges_due": len(due),
        "oldest_due_purge_age_s": _age(oldest_due, now),
        "failed_purges": last.trips_failed if last else 0,
        "last_sweep": None
        if last is None
        else {
            "status": last.status,
            "age_s": _age(last.finished_at or last.started_at, now),
            "trips_purged": last.trips_purged,
            "trips_failed": last.trips_failed,
        },
        "last_ok_sweep_age_s": _age(last_ok and (last_ok.finished_at or last_ok.started_at), now),
        "failed_sweeps_24h": runs.filter(
            status=SweepStatus.FAILED, started_at__gte=now - datetime.timedelta(hours=24)
        ).count(),
        "pending_file_deletions": PendingFileDeletion.objects.count(),
        "pending_file_deletion_max_attempts": pending["attempts"] or 0,
        "beat_age_s": health.beat_age(),
        "intake": _intake(),
    }


def _intake() -> dict:
    """Uploads in the pipeline now and the site-wide limit (documents/admission.py)."""
    try:
        in_use = admission.in_use()
    except (redis.RedisError, OSError):
        in_use = None
    return {"in_use": in_use, "limit": settings.INTAKE_CONCURRENCY}
