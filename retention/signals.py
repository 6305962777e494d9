"""A cancelled trip is due at once: start its purge when the cancellation commits."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from trips.models import PurgeState, Trip

from .tasks import purge_cancelled


@receiver(post_save, sender=Trip, dispatch_uid="retention_purge_cancelled_trip")
def purge_when_cancelled(sender, instance: Trip, created: bool, update_fields=None, **kwargs):
    if instance.cancelled_at is None or instance.purge_state != PurgeState.ACTIVE:
        return
    if update_fields is not None and "cancelled_at" not in update_fields:
        return
    purge_cancelled.delay_on_commit(trip_id=instance.pk)
