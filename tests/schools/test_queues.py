"""Packet builds, the purge and guardians' mail travel on separate queues (issue 14 and 11)."""

from __future__ import annotations

import pytest

from schooltrips.celery import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("packets.build", "packets"),
        ("retention.sweep", "retention"),
        ("retention.purge_cancelled", "retention"),
        ("documents.send_invitation", "mail"),
        ("documents.send_rejection", "mail"),
        ("schools.heartbeat", "default"),
    ],
)
def test_each_kind_of_work_has_its_own_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_the_procfile_runs_a_worker_for_every_queue(settings):
    procfile = (settings.BASE_DIR / "Procfile").read_text()
    consumed = set()
    for line in procfile.splitlines():
        if " worker " in line and " -Q " in line:
            consumed |= set(line.split(" -Q ", 1)[1].split()[0].split(","))
    assert consumed == {"default", "retention", "mail", "packets"}
