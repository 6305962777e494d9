"""A real Celery worker on Redis runs a task end to end (not eager mode)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from schools.tasks import HEARTBEAT_KEY, heartbeat


@pytest.mark.worker
def test_real_worker_runs_the_heartbeat_through_redis(celery_worker_on_redis):
    from schooltrips.celery import app

    assert app.conf.task_always_eager is False
    cache.delete(HEARTBEAT_KEY)
    before = time.time()
    heartbeat.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        value = cache.get(HEARTBEAT_KEY)
        if value is not None:
            break
        time.sleep(0.1)
    assert value is not None and value >= before


def test_celery_is_configured_for_safe_json_tasks():
    from schooltrips.celery import app

    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_ignore_result is True
    assert "celery.contrib.django.task" in type(heartbeat).__mro__[1].__module__ or hasattr(
        heartbeat, "delay_on_commit"
    )
