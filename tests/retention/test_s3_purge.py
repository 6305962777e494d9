"""The purge, its retried file deletions and reconciliation against an S3-compatible store."""

from __future__ import annotations

import datetime

from documents import vault
from documents.models import PendingFileDeletion
from retention import files, purge
from trips.models import PurgeState, Trip

from .conftest import filled_trip


def _trip_keys(s3_vault, trip) -> list[str]:
    return [key for key in s3_vault.object_keys() if key.startswith(f"t{trip.pk}/")]


def test_purge_deletes_the_trips_objects_from_the_bucket(s3_vault, school):
    due = filled_trip(school, participants=3)
    active = filled_trip(school, participants=2, days_ago=-5)
    assert len(_trip_keys(s3_vault, due)) == 3 + 1  # documents and the packet
    report = purge.sweep()
    assert [o.trip_id for o in report.purged] == [due.pk]
    assert _trip_keys(s3_vault, due) == []
    assert len(_trip_keys(s3_vault, active)) == 2 + 1
    assert not PendingFileDeletion.objects.exists()


def test_store_down_leaves_pending_deletions_that_the_next_sweep_finishes(s3_vault, school):
    due = filled_trip(school, participants=2)
    names = _trip_keys(s3_vault, due)
    s3_vault.stop()
    report = purge.sweep()
    # The purge itself is done (key destroyed, rows gone, certificate written)...
    assert Trip.objects.get(pk=due.pk).purge_state == PurgeState.PURGED
    assert report.files_pending == len(names) == 3
    pending = PendingFileDeletion.objects.order_by("storage_name")
    assert [p.storage_name for p in pending] == sorted(names)
    assert all(p.attempts >= 1 for p in pending)  # tried after the commit, kept for the retry
    s3_vault.restart()
    assert _trip_keys(s3_vault, due) == names  # the ciphertext is still in the store
    report = purge.sweep()
    assert report.files_removed == 3 and report.files_pending == 0
    assert _trip_keys(s3_vault, due) == []
    assert not PendingFileDeletion.objects.exists()


def test_reconciliation_lists_the_bucket_and_removes_only_orphans(s3_vault, school):
    trip = filled_trip(school, participants=2, days_ago=-5)
    kept = s3_vault.object_keys()
    orphan = vault.store(trip.pk, b"an upload that crashed before its row", aad="orphan")
    assert orphan in s3_vault.object_keys()
    assert files.reconcile(safety_age=datetime.timedelta(hours=1)) == 0  # too young to touch
    removed = files.reconcile(safety_age=datetime.timedelta(0))
    assert removed == 1
    assert s3_vault.object_keys() == kept
