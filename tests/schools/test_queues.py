"""Queues: routing in settings, and two real worker processes sharing them on Redis."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_redis
from tests.servers import site_env

ROUTES = {
    "packets.build": "packets",
    "documents.send_invitation": "mail",
    "documents.send_rejection": "mail",
    "retention.remind_shredding": "mail",
    "retention.sweep": "maintenance",
    "retention.purge_cancelled": "maintenance",
    "schools.heartbeat": "maintenance",
}


@pytest.mark.parametrize(("task", "queue"), ROUTES.items())
def test_each_task_is_routed_to_its_queue(task, queue):
    from schooltrips.celery import app

    app.loader.import_default_modules()
    assert task in app.tasks
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_procfile_workers_consume_every_queue_and_beat_runs_once():
    procfile = (settings.BASE_DIR / "Procfile").read_text()
    consumed = set()
    for line in procfile.splitlines():
        if " worker " in line:
            consumed.update(re.search(r"-Q (\S+)", line).group(1).split(","))
    assert consumed == set(settings.WORKER_QUEUES)
    assert sum(" beat " in line for line in procfile.splitlines()) == 1


PARTICIPANTS = 20


def test_deploy_units_run_a_worker_for_every_queue():
    deploy = settings.BASE_DIR / "deploy"
    wants = re.search(r"^Wants=(.*)$", (deploy / "schooltrips.target").read_text(), re.M)
    units = wants.group(1).split()
    workers = {u.split("@")[1].removesuffix(".service") for u in units if "@" in u}
    assert workers == set(settings.WORKER_QUEUES)
    for unit in units:
        name = re.sub(r"@[^.]+", "@", unit)
        assert (deploy / name).exists(), name
    template = (deploy / "schooltrips-worker@.service").read_text()
    assert "worker -Q %i " in template and "EnvironmentFile=/etc/schooltrips/env" in template


SEED = """
import json
from tests import factories
from tests.packets import samples
from tests.retention.conftest import filled_trip
from packets.models import Packet
school = factories.SchoolFactory()
due = [filled_trip(school, participants=3, days_ago=10).pk for _ in range(2)]
teacher = factories.member(school, "teacher")
trip = factories.TripFactory(school=school, organiser=teacher)
for seed in range(__PARTICIPANTS__):
    samples.add_document(factories.ParticipantFactory(trip=trip), samples.photo(seed=seed))
packet = Packet.objects.create(trip=trip, built_by=teacher)
print(json.dumps({"packet": packet.pk, "due": due}))
"""
STATE = """
import json
from packets.models import Packet
from retention.models import DeletionCertificate, SweepRun
from schools.models import AuditEvent
from trips.models import Trip
p = Packet.objects.get(pk=__PACKET__)
print(json.dumps({
    "packet": p.status, "done": p.progress_done, "total": p.progress_total,
    "built": AuditEvent.objects.filter(action="packet_built").count(),
    "certificates": DeletionCertificate.objects.count(),
    "purged": Trip.objects.filter(purge_state="purged").count(),
    "sweeps": list(SweepRun.objects.values_list("status", flat=True)),
}))
"""


class Site:
    """One SQLite site in tmp_path, driven only through processes, as production is."""

    def __init__(self, tmp_path: Path):
        self.env = site_env(
            tmp_path / "data",
            # A private key space on the shared Redis. A message whose worker died is handed
            # out again after this delay; like production's 3600 s, it must exceed the longest
            # task (here a build of a few seconds), or a live build would be run twice.
            BROKER_KEY_PREFIX=f"test-{uuid.uuid4().hex[:10]}:",
            BROKER_VISIBILITY_TIMEOUT="45",
        )
        self.cwd = settings.BASE_DIR
        self.logs = tmp_path

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def python(self, code: str) -> dict:
        import json

        out = self.manage("shell", "--no-imports", "-c", code)
        return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}

    def send(self, task: str, **kwargs) -> None:
        """Send a task the way the site does (routed by settings) into this site's key space."""
        from celery import Celery

        client = Celery("sender", broker=settings.CELERY_BROKER_URL, set_as_current=False)
        client.conf.update(
            task_routes=settings.CELERY_TASK_ROUTES,
            broker_transport_options={"global_keyprefix": self.env["BROKER_KEY_PREFIX"]},
        )
        client.send_task(task, kwargs=kwargs)
        client.close()

    def building(self, packet_id: int) -> bool:
        """The build is under way on a worker: read the database directly, as a Django shell
        takes longer to start than a small build takes."""
        import sqlite3

        with sqlite3.connect(self.logs / "data" / "db.sqlite3", timeout=10) as db:
            row = db.execute(
                "SELECT status FROM packets_packet WHERE id = ?", (packet_id,)
            ).fetchone()
        return row[0] == "running"

    def worker(self, name: str) -> tuple[subprocess.Popen, Path]:
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "schooltrips",
                "worker",
                "-Q",
                ",".join(settings.WORKER_QUEUES),
                "-n",
                f"{name}@%h",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--logfile",
                str(log),
            ],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return process, log


def _wait(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return None


@pytest.mark.worker
@pytest.mark.slow
def test_two_workers_one_killed_mid_build_lose_nothing_and_do_nothing_twice(tmp_path):
    require_redis()
    site = Site(tmp_path)
    site.manage("migrate", "-v0")
    seeded = site.python(SEED.replace("__PARTICIPANTS__", str(PARTICIPANTS)))
    state = STATE.replace("__PACKET__", str(seeded["packet"]))
    workers = {name: site.worker(name) for name in ("w1", "w2")}
    try:
        site.send("packets.build", packet_id=seeded["packet"])
        # The build is running on one worker: kill that worker's whole process group, as the
        # OOM killer or a power cut would.
        started = _wait(lambda: site.building(seeded["packet"]), 120)
        assert started, site.python(state)
        builder = next(
            name for name, (_, log) in workers.items() if "packets.build" in log.read_text()
        )
        other = "w2" if builder == "w1" else "w1"
        # The sweep goes to the other worker while the first still holds the build.
        site.send("retention.sweep")
        os.killpg(workers[builder][0].pid, signal.SIGKILL)
        workers[builder][0].wait(timeout=30)

        finished = _wait(
            lambda: (s := site.python(state))["packet"] == "done" and s["sweeps"] and s, 240
        )
        assert finished, site.python(state)
    finally:
        for process, _ in workers.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
    final = site.python(state)
    # Nothing lost: the killed build was redelivered and finished on the surviving worker.
    assert final["packet"] == "done" and final["done"] == final["total"] > PARTICIPANTS
    logs = {name: log.read_text() for name, (_, log) in workers.items()}
    assert logs[builder].count("packets.build[") == 1  # received, never finished
    assert logs[other].count("packets.build[") == 2  # received once, succeeded once
    assert "retention.sweep" in logs[other]
    # Nothing twice: one finished build, one sweep that purged each due trip once.
    assert final["built"] == 1
    assert final["sweeps"] == ["ok"]
    assert final["certificates"] == final["purged"] == 2
    # The vault holds the documents, the one finished packet and the trip's cached cover
    # (packets/frontmatter.py): the due trips' files are gone and the killed attempt left
    # nothing behind.
    assert len(list((tmp_path / "data" / "vault").rglob("*.bin"))) == PARTICIPANTS + 2
