"""The sweep through a real Celery worker on Redis, sent the way beat sends it."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections

from documents.models import Document
from retention import purge
from retention.models import DeletionCertificate, SweepRun, SweepStatus
from schools.models import AuditEvent
from tests.retention.conftest import filled_trip, vault_files
from tests.servers import site_env
from trips.models import PurgeState, Trip


def _wait_for(predicate, seconds: float = 45) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OperationalError:
            # SQLite's shared-cache test database answers "table is locked" to a reader while
            # the worker thread writes; PostgreSQL never does. Just look again.
            pass
        time.sleep(0.5)
    return False


@pytest.mark.worker
def test_beat_entry_sent_to_a_real_worker_purges_due_trips(celery_worker_on_redis, school):
    from schooltrips.celery import app

    trips = [filled_trip(school, participants=2, days_ago=days) for days in (5, 40)]
    future = filled_trip(school, participants=1, days_ago=-3)
    entry = settings.CELERY_BEAT_SCHEDULE["retention-sweep"]
    # What beat does: send the task by name with the entry's options (JSON, ids only).
    app.send_task(entry["task"], **entry["options"])

    def purged_or_resent() -> bool:
        if Trip.objects.filter(purge_state=PurgeState.PURGED).count() == 2:
            return SweepRun.objects.filter(status=SweepStatus.OK).exists()
        # A run that failed (a lock timeout on the test database) is retried, as beat would.
        if SweepRun.objects.exists() and not SweepRun.objects.filter(finished_at=None).exists():
            app.send_task(entry["task"], **entry["options"])
        return False

    assert _wait_for(purged_or_resent)
    assert DeletionCertificate.objects.filter(trip__in=trips).count() == 2
    assert Trip.objects.get(pk=future.pk).purge_state == PurgeState.ACTIVE
    assert Document.objects.filter(participant__trip=future).count() == 1
    run = SweepRun.objects.get(status=SweepStatus.OK, trips_purged__gt=0)
    assert run.trigger == "beat" and run.trips_purged == 2


def _threads_race(school, settings):
    """PostgreSQL: two sweeps in two connections; row locks (SKIP LOCKED) decide."""
    trips = [filled_trip(school, participants=4, days_ago=10) for _ in range(3)]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            reports.append(purge.sweep())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert all(not r.failed for r in reports), [r.failed for r in reports]
    purged = sorted(o.trip_id for r in reports for o in r.purged)
    assert purged == sorted(t.pk for t in trips)  # each once, by one of the two
    assert DeletionCertificate.objects.count() == 3
    assert AuditEvent.objects.filter(action="purge_completed").count() == 3
    assert AuditEvent.objects.filter(action="purge_started").count() == 3
    assert not Document.objects.exists()
    assert vault_files(settings) == []


SEED = """
from tests.retention.conftest import filled_trip
from tests import factories
school = factories.SchoolFactory()
for _ in range(3):
    filled_trip(school, participants=4, days_ago=10)
"""
REPORT = """
from retention.models import DeletionCertificate
from schools.models import AuditEvent
from documents.models import Document
events = AuditEvent.objects
print(DeletionCertificate.objects.count(), events.filter(action="purge_completed").count(),
      events.filter(action="purge_started").count(), Document.objects.count())
"""


def _processes_race(tmp_path):
    """SQLite: two `purge_expired` processes on one database file (the production set-up:
    IMMEDIATE transactions serialise writers; the loser finds the trip purged)."""
    import sqlite3
    import subprocess
    import sys

    env = site_env(tmp_path / "data")
    manage = [sys.executable, "manage.py"]
    cwd = settings.BASE_DIR

    def run(*args):
        return subprocess.run(
            [*manage, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
        )

    assert run("migrate", "-v0").returncode == 0
    assert run("shell", "--no-imports", "-c", SEED).returncode == 0
    # Hold the database's write lock while both processes start, so that both are waiting to
    # write at the same moment when it is released: a real race, not two runs in a row.
    holder = sqlite3.connect(tmp_path / "data" / "db.sqlite3", timeout=30)
    holder.execute("BEGIN IMMEDIATE")
    racers = [
        subprocess.Popen(
            [*manage, "purge_expired"], env=env, cwd=cwd, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    time.sleep(3)
    holder.rollback()
    holder.close()
    outputs = [racer.communicate(timeout=120)[0] for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], outputs
    purged_lines = [line for out in outputs for line in out.splitlines() if "purged trip=" in line]
    assert len(purged_lines) == 3, outputs
    result = run("shell", "--no-imports", "-c", REPORT)
    assert result.stdout.split() == ["3", "3", "3", "0"], result.stderr
    assert not [p for p in (tmp_path / "data" / "vault").rglob("*") if p.is_file()]


@pytest.mark.slow
def test_two_sweeps_at_once_purge_each_trip_exactly_once(transactional_db, tmp_path):
    if connections["default"].vendor == "postgresql":
        from tests import factories

        _threads_race(factories.SchoolFactory(), settings)
    else:
        _processes_race(tmp_path)
