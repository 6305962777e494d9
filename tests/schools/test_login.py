from __future__ import annotations

from django.urls import reverse

from schools.models import AuditEvent
from tests.factories import PASSWORD


def test_login_and_logout_are_audited_without_the_username(client, teacher):
    response = client.post(reverse("login"), {"username": teacher.username, "password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("logout"))
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_id"))
    assert actions == [("login", teacher.pk), ("logout", teacher.pk)]
    assert teacher.username not in str(list(AuditEvent.objects.values()))


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_repeated_failures_lock_the_account_out(client, teacher, settings):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, {"username": teacher.username, "password": "wrong"})
    # Locked: even the right password is refused now, with the lockout page.
    response = client.post(url, {"username": teacher.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "ロック" in response.content.decode()
    assert "_auth_user_id" not in client.session
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"login_failed", "lockout"} <= actions


def test_a_failure_below_the_limit_does_not_lock(client, teacher):
    url = reverse("login")
    client.post(url, {"username": teacher.username, "password": "wrong"})
    response = client.post(url, {"username": teacher.username, "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_counts_the_client_behind_the_proxy(client, teacher, settings):
    """Behind one trusted proxy, a locked-out guest does not lock out the whole school."""
    settings.NUM_PROXIES = 1
    url = reverse("login")
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "REMOTE_ADDR": "10.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": teacher.username, "password": "wrong"}, **attacker)
    colleague = {"HTTP_X_FORWARDED_FOR": "198.51.100.7", "REMOTE_ADDR": "10.0.0.1"}
    response = client.post(url, {"username": teacher.username, "password": PASSWORD}, **colleague)
    assert response.status_code == 302
