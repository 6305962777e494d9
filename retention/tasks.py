"""Thin Celery wrappers around retention.purge (ids only, results ignored)."""

from __future__ import annotations

import logging

from celery import shared_task

from trips.models import Trip

from . import alerts, purge

logger = logging.getLogger(__name__)


@shared_task(name="retention.sweep", ignore_result=True)
def sweep() -> None:
    """The hourly beat sweep: purge every due trip, retry file deletions, reconcile orphans."""
    report = purge.sweep(trigger="beat")
    logger.info(
        "sweep %s: due=%s purged=%s failed=%s orphans=%s",
        report.run,
        report.due,
        len(report.purged),
        len(report.failed),
        report.orphans_removed,
    )


@shared_task(name="retention.purge_cancelled", ignore_result=True)
def purge_cancelled(*, trip_id: int) -> None:
    """A cancelled trip is due at once: run the same sweep now instead of waiting for beat."""
    if not Trip.objects.filter(pk=trip_id, cancelled_at__isnull=False).exists():
        logger.info("purge_cancelled: trip %s is gone or not cancelled", trip_id)
        return
    purge.sweep(trigger="cancel")


@shared_task(name="retention.remind_shredding", ignore_result=True)
def remind_shredding() -> None:
    """Daily: teachers still holding printed copies of purged trips are asked again."""
    trips = alerts.remind_outstanding_paper_copies()
    logger.info("shredding reminders sent for %s trips", trips)
