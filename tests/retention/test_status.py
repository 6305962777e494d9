"""The operator status page and the JSON a monitor polls: counts and ages, nothing personal."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from documents.models import PendingFileDeletion
from retention.models import SweepRun, SweepStatus
from schools.tasks import HEARTBEAT_KEY
from tests import factories
from tests.conftest import require_redis

from .conftest import filled_trip


@pytest.fixture
def broker_prefix(settings):
    require_redis()
    prefix = f"test-{uuid.uuid4().hex[:10]}:"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "global_keyprefix": prefix,
    }
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client, prefix
    client.delete(*(f"{prefix}{q}" for q in settings.WORKER_QUEUES))


def _troubled_site(school):
    trip = filled_trip(school, participants=1, days_ago=10, title="修学旅行 沖縄")
    SweepRun.objects.create(status=SweepStatus.FAILED, trips_due=1, trips_failed=1)
    for n in range(3):
        PendingFileDeletion.objects.create(storage_name=f"t1/{n}.bin", attempts=n + 1)
    cache.set(HEARTBEAT_KEY, time.time() - 90, timeout=None)
    return trip


def test_status_json_reports_queues_purges_files_and_beat(client, school, broker_prefix, settings):
    connection, prefix = broker_prefix
    connection.rpush(f"{prefix}packets", "a", "b")
    connection.rpush(f"{prefix}mail", "c")
    trip = _troubled_site(school)
    settings.STATUS_TOKEN = "monitor-secret"
    response = client.get(
        reverse("retention:status_json"), HTTP_AUTHORIZATION="Bearer monitor-secret"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["queues"] == {"maintenance": 0, "packets": 2, "mail": 1}
    assert body["purges_due"] == 1 and body["oldest_due_purge_age_s"] > 86400
    assert body["failed_purges"] == 1 and body["failed_sweeps_24h"] == 1
    assert body["last_sweep"]["status"] == "failed" and body["last_ok_sweep_age_s"] is None
    assert body["pending_file_deletions"] == 3
    assert body["pending_file_deletion_max_attempts"] == 3
    assert 90 <= body["beat_age_s"] < 200
    assert body["intake"] == {"in_use": 0, "limit": settings.INTAKE_CONCURRENCY}
    text = response.content.decode()
    assert trip.title not in text and "t1/" not in text


@pytest.mark.parametrize("header", ["", "Bearer wrong", "Bearer "])
def test_status_json_refuses_without_the_token(client, db, settings, header):
    settings.STATUS_TOKEN = "monitor-secret"
    response = client.get(reverse("retention:status_json"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert "queues" not in response.json()


def test_an_empty_status_token_never_opens_the_json(client, db, settings):
    settings.STATUS_TOKEN = ""
    response = client.get(reverse("retention:status_json"), HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


def test_operator_page_for_site_staff_and_school_admins(
    client, school, school_admin, teacher, broker_prefix
):
    _troubled_site(school)
    board = factories.BoardFactory()
    school.board = board
    school.save()
    board_admin = factories.board_admin(board)
    url = reverse("retention:status")
    assert client.get(url).status_code == 302  # to the login page
    # The admin role: teachers and board admins (no school role) are refused.
    for user in (teacher, board_admin):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("retention:status_json")).status_code == 403
    client.force_login(school_admin)
    assert client.get(url).status_code == 200
    assert client.get(reverse("retention:status_json")).status_code == 200
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="pending-files">3<' in html
    assert 'data-testid="failed-purges">1<' in html
    assert client.get(reverse("retention:status_json")).json()["pending_file_deletions"] == 3


def test_inactive_staff_do_not_see_the_status(client, db, broker_prefix):
    staff = factories.UserFactory(is_staff=True, is_active=False)
    client.force_login(staff)  # a session from before the account was disabled
    # The session no longer authenticates a disabled account: the page asks for a login.
    assert client.get(reverse("retention:status")).status_code == 302
    assert client.get(reverse("retention:status_json")).status_code == 403


def test_site_staff_without_a_school_see_the_status(client, db, broker_prefix):
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("retention:status")).status_code == 200
