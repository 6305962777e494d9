"""Two app servers over one database and one Redis: no request depends on which one answers.

Sessions live in the database, rate limits and intake slots in Redis, uploads go straight to the
vault: a login on one server works on the other, an upload sent to one is seen by the other, the
guardians' throttle counts the requests both servers received, and one intake limit holds for
both.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

import pytest
import requests
from django.conf import settings

from tests import servers
from tests.documents import files

SEED = """
from django.utils import timezone
from documents import links
from tests import factories
school = factories.SchoolFactory()
teacher = factories.member(school, "teacher")
teacher.username = "sensei"
teacher.save()
trip = factories.TripFactory(school=school, organiser=teacher, collecting_since=timezone.now())
participant = factories.ParticipantFactory(trip=trip)
print(trip.pk, links.token_for(links.issue(participant)))
"""
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def site_prefix() -> str:
    """The two servers' cache key prefix (rate limits, intake slots)."""
    return f"two-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def two_servers(tmp_path, site_prefix):
    from tests.conftest import require_redis

    require_redis()
    env = servers.site_env(tmp_path / "data", CACHE_KEY_PREFIX=site_prefix, INTAKE_CONCURRENCY="1")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=settings.BASE_DIR, check=True)
    seeded = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", SEED],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    trip_id, token = seeded.stdout.split()
    started = [servers.start_gunicorn(env) for _ in range(2)]
    try:
        yield [f"http://127.0.0.1:{port}" for _, port in started], int(trip_id), token
    finally:
        for process, _ in started:
            servers.stop(process)


def _csrf(session: requests.Session, url: str) -> str:
    return _CSRF.search(session.get(url, timeout=30).text).group(1)


@pytest.mark.slow
def test_a_login_on_one_server_holds_on_the_other(two_servers):
    (a, b), trip_id, _ = two_servers
    session = requests.Session()  # cookies for 127.0.0.1 go to both ports
    token = _csrf(session, f"{a}/login/")
    from tests.factories import PASSWORD

    login = session.post(
        f"{a}/login/",
        data={"csrfmiddlewaretoken": token, "username": "sensei", "password": PASSWORD},
        headers={"Referer": f"{a}/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert login.status_code == 302
    page = session.get(f"{b}/trips/{trip_id}/", allow_redirects=False, timeout=30)
    assert page.status_code == 200


@pytest.mark.slow
def test_an_upload_sent_to_one_server_is_seen_by_the_other(two_servers):
    (a, b), _, token = two_servers
    guardian = requests.Session()
    csrf = _csrf(guardian, f"{a}/u/{token}/")
    sent = guardian.post(
        f"{b}/u/{token}/",
        data={"csrfmiddlewaretoken": csrf, "kind": "notice", "consent": "on"},
        files={"file": ("photo.jpg", files.jpeg_with_gps(), "image/jpeg")},
        headers={"Referer": f"{b}/u/{token}/"},
        allow_redirects=False,
        timeout=120,
    )
    assert sent.status_code == 302, sent.text[:500]
    receipt = guardian.get(f"{a}{sent.headers['Location']}", timeout=30)
    assert receipt.status_code == 200 and 'data-testid="receipt"' in receipt.text


@pytest.mark.slow
def test_the_guardians_throttle_counts_both_servers(two_servers):
    (a, b), _, _ = two_servers
    # Ten guessed tokens per address in ten minutes, wherever they land; then a clear 429 page.
    answers = [
        requests.get(f"{(a, b)[n % 2]}/u/guess-{n:04d}-xxxxxxxxxxxx/", timeout=30).status_code
        for n in range(10)
    ]
    assert answers == [404] * 10
    for server in (a, b):
        refused = requests.get(f"{server}/u/guess-last-xxxxxxxxxxxx/", timeout=30)
        assert refused.status_code == 429


@pytest.mark.slow
def test_one_intake_limit_holds_for_both_servers(two_servers, site_prefix, settings):
    from documents import admission

    (a, b), _, token = two_servers
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "KEY_PREFIX": site_prefix},
    }
    guardian = requests.Session()
    csrf = _csrf(guardian, f"{a}/u/{token}/")
    photo = files.jpeg_with_gps()

    def send(server: str) -> requests.Response:
        return guardian.post(
            f"{server}/u/{token}/",
            data={"csrfmiddlewaretoken": csrf, "kind": "notice", "consent": "on"},
            files={"file": ("photo.jpg", photo, "image/jpeg")},
            headers={"Referer": f"{server}/u/{token}/"},
            allow_redirects=False,
            timeout=120,
        )

    lease = admission.acquire(limit=1)  # the only slot (INTAKE_CONCURRENCY=1), taken elsewhere
    try:
        for server in (a, b):
            busy = send(server)
            assert busy.status_code == 503 and busy.headers["Retry-After"]
            assert 'data-testid="intake-busy"' in busy.text
    finally:
        admission.release(lease)
    assert send(b).status_code == 302
    assert admission.in_use() == 0
