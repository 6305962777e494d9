"""django-axes records (typed usernames, addresses) are deleted after LOGIN_RECORD_RETENTION."""

from __future__ import annotations

import datetime

from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from schools import tasks
from schools.lockout import prune_login_records


def _attempt(username: str, age: datetime.timedelta) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - age)
    return attempt


def test_old_attempts_are_deleted_and_recent_ones_kept(db, settings):
    old = _attempt("typo-of-a-password", settings.LOGIN_RECORD_RETENTION + datetime.timedelta(1))
    recent = _attempt("teacher", datetime.timedelta(minutes=10))
    tasks.prune_login_records.apply()
    assert not AccessAttempt.objects.filter(pk=old.pk).exists()
    assert AccessAttempt.objects.filter(pk=recent.pk).exists()
    assert prune_login_records(now=timezone.now() + settings.LOGIN_RECORD_RETENTION * 2) == 1


def test_a_successful_login_leaves_no_axes_record(teacher):
    teacher.set_password("a-long-password-1")
    teacher.save()
    response = Client().post(
        reverse("login"), {"username": teacher.username, "password": "a-long-password-1"}
    )
    assert response.status_code == 302
    assert not AccessLog.objects.exists()
