"""A build's plaintext on disk: findable by trip, removed by the purge and by reconciliation."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import connections
from django.utils import timezone

from packets import builder, work
from packets.models import CachedCover
from retention import purge
from trips.models import Trip

pytestmark = pytest.mark.slow


def _build_and_get_killed(trip, marker) -> int:
    """Fork a build that stops after placing the documents, before the save; its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        connection = connections["default"]
        if connection.vendor != "sqlite":
            # A socket shared with the parent must never be used (nor closed) here: park it
            # and let Django open the child's own connection (the test's rows are committed).
            _parked = connection.connection
            connection.connection = None

        def stall(*args, **kwargs):
            marker.write_text("placed")
            time.sleep(120)  # killed long before

        builder._save = stall
        builder.build_packet(trip)
    finally:
        os._exit(code)


def _wait_for(path, seconds=60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), "the build never got that far"


@pytest.mark.django_db(transaction=True)
def test_a_killed_build_leaves_plaintext_that_the_purge_removes(packet_trip, tmp_path):
    trip = packet_trip.trip
    marker = tmp_path / "placed"
    pid = _build_and_get_killed(trip, marker)
    try:
        _wait_for(marker)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    # The failure this guards against: the killed build's pages are still there, by trip.
    folder = work.trip_work_dir(trip.pk)
    # (the cover at least; documents too beyond placing.IN_MEMORY_BYTES)
    left = list(folder.glob("packet-*/*.pdf"))
    assert left and left[0].read_bytes().startswith(b"%PDF")
    Trip.objects.filter(pk=trip.pk).update(cancelled_at=timezone.now())
    report = purge.sweep()
    assert [outcome.trip_id for outcome in report.purged] == [trip.pk]
    assert not folder.exists()


@pytest.mark.django_db
def test_reconciliation_removes_stale_build_folders_and_keeps_live_ones(packet_trip):
    trip = packet_trip.trip
    stale = work.new_build_dir(trip.pk)
    (stale / "chunk-0000.pdf").write_bytes(b"%PDF- names in clear")
    old = time.time() - work.STALE_AFTER.total_seconds() - 60
    os.utime(stale, (old, old))
    live = work.new_build_dir(trip.pk + 1)
    report = purge.sweep()  # no trip is due: only the reconciliation acts
    assert report.stale_work_removed == 1
    assert not stale.exists() and live.exists()


@pytest.mark.django_db
def test_a_new_build_of_the_trip_removes_its_stale_folders(packet_trip):
    trip = packet_trip.trip
    stale = work.new_build_dir(trip.pk)
    old = time.time() - work.STALE_AFTER.total_seconds() - 60
    os.utime(stale, (old, old))
    with builder.build_packet(trip) as built:
        assert built.path.exists()
        assert not stale.exists()
    assert not list(work.trip_work_dir(trip.pk).glob("packet-*"))  # its own folder went too


def test_stale_means_older_than_any_live_build():
    from packets.tasks import TIME_LIMIT

    assert work.STALE_AFTER.total_seconds() > TIME_LIMIT


@pytest.mark.django_db
def test_the_purge_removes_the_cached_cover_before_the_certificate(
    packet_trip, settings, django_capture_on_commit_callbacks
):
    trip = packet_trip.trip
    with builder.build_packet(trip):
        pass
    cached = CachedCover.objects.get(trip=trip)
    path = settings.VAULT_DIR / cached.storage_name
    assert path.exists()
    Trip.objects.filter(pk=trip.pk).update(cancelled_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        purge.sweep()
    assert not CachedCover.objects.filter(trip=trip).exists()
    assert not path.exists()
