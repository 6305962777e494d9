from __future__ import annotations

from django.urls import reverse

from tests.conftest import require_redis


def test_healthz_ok_when_database_and_broker_answer(client, db):
    require_redis()
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_503_names_the_broker_when_it_is_down(client, db, settings):
    # Nothing listens on port 1 of loopback: the broker check fails fast.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_pdf_font_subsetting_is_available():
    """Without libharfbuzz-subset every CJK render is ~11 s slower (DESIGN.md §3)."""
    from weasyprint.pdf import fonts

    assert fonts.harfbuzz_subset is not None


def test_healthz_reports_the_age_of_beats_heartbeat(client, db):
    import time

    from django.core.cache import cache

    from schools.tasks import HEARTBEAT_KEY, heartbeat

    require_redis()
    cache.delete(HEARTBEAT_KEY)
    assert client.get(reverse("healthz")).json()["beat_age_s"] is None
    cache.set(HEARTBEAT_KEY, time.time() - 125, timeout=None)
    assert 125 <= client.get(reverse("healthz")).json()["beat_age_s"] < 200
    heartbeat()
    assert client.get(reverse("healthz")).json()["beat_age_s"] < 60
