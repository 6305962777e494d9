"""The intake admission limit: a shared Redis lease per upload in the pipeline."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client

from documents import admission, intake
from documents.models import Document
from schools.models import AuditEvent

from . import files

pytestmark = pytest.mark.usefixtures("redis_cache")


def _csrf(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.cookies["csrftoken"].value


def _post_photo(client: Client, url: str, csrf: str | None = None):
    payload = {
        "csrfmiddlewaretoken": csrf or _csrf(client, url),
        "kind": "notice",
        "consent": "on",
        "file": SimpleUploadedFile("photo.png", files.png_image(), content_type="image/png"),
    }
    return client.post(url, payload)


def _vault_files(settings) -> list:
    return [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]


def _assert_busy_page(response, settings) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.INTAKE_RETRY_AFTER)
    assert response["X-Intake-Busy"] == "1"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert 'data-testid="intake-busy"' in html
    return html


def test_a_slot_held_by_another_server_makes_the_upload_busy_and_keeps_nothing(
    upload_url, participant, settings
):
    settings.INTAKE_CONCURRENCY = 1
    guardian = Client(enforce_csrf_checks=True)
    csrf = _csrf(guardian, upload_url)
    elsewhere = admission.acquire()  # another app server's intake, over the same Redis
    html = _assert_busy_page(_post_photo(guardian, upload_url, csrf), settings)
    assert "ただいま混み合っています" in html and "1分ほど待って" in html
    assert 'lang="en"' in html  # the English line for a guardian who reads no Japanese
    assert not Document.objects.exists()
    assert _vault_files(settings) == []
    assert not AuditEvent.objects.filter(action__startswith="upload_").exists()

    guardian.cookies["django_language"] = "en"
    english = _assert_busy_page(_post_photo(guardian, upload_url, csrf), settings)
    assert "Busy right now" in english and "wait a minute" in english
    assert "混み合って" not in english

    admission.release(elsewhere)
    assert _post_photo(guardian, upload_url, csrf).status_code == 302
    assert Document.objects.filter(participant=participant).count() == 1
    assert admission.in_use() == 0


def test_a_busy_answer_is_logged_as_info_not_as_a_server_error(upload_url, settings, caplog):
    import logging

    settings.INTAKE_CONCURRENCY = 1
    guardian = Client(enforce_csrf_checks=True)
    csrf = _csrf(guardian, upload_url)
    admission.acquire()
    caplog.set_level(logging.INFO)
    assert _post_photo(guardian, upload_url, csrf).status_code == 503
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "intake busy" in caplog.text


def test_busy_answers_use_none_of_the_guardians_upload_tries(upload_url, settings, monkeypatch):
    settings.INTAKE_CONCURRENCY = 1
    monkeypatch.setattr("documents.ratelimit.UPLOADS_PER_TOKEN", (2, 3600))
    guardian = Client(enforce_csrf_checks=True)
    csrf = _csrf(guardian, upload_url)
    lease = admission.acquire()
    for _ in range(4):
        assert _post_photo(guardian, upload_url, csrf).status_code == 503
    admission.release(lease)
    assert _post_photo(guardian, upload_url, csrf).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_intakes_beyond_the_limit(upload_url, participant, settings, monkeypatch):
    """Limit 1: while one upload is in the pipeline a second one gets the busy page, no 500."""
    settings.INTAKE_CONCURRENCY = 1
    inside, finish = threading.Event(), threading.Event()
    real_accept = intake.accept

    def slow_accept(*args, **kwargs):
        inside.set()
        assert finish.wait(10)
        return real_accept(*args, **kwargs)

    monkeypatch.setattr(intake, "accept", slow_accept)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_csrf, second_csrf = _csrf(first, upload_url), _csrf(second, upload_url)
    answers = {}

    def first_upload() -> None:
        try:
            answers["first"] = _post_photo(first, upload_url, first_csrf)
        finally:
            connections.close_all()  # the thread's own connection (PostgreSQL warns otherwise)

    thread = threading.Thread(target=first_upload)
    thread.start()
    try:
        assert inside.wait(10)
        assert admission.in_use() == 1
        busy = _post_photo(second, upload_url, second_csrf)
    finally:
        finish.set()
        thread.join(20)
    _assert_busy_page(busy, settings)
    assert answers["first"].status_code == 302
    assert admission.in_use() == 0
    assert Document.objects.filter(participant=participant).count() == 1
    assert _post_photo(second, upload_url, second_csrf).status_code == 302


def test_the_slot_is_released_when_the_pipeline_fails(upload_url, settings, monkeypatch):
    settings.INTAKE_CONCURRENCY = 1

    def broken(*args, **kwargs):
        assert admission.in_use() == 1
        raise RuntimeError("a bug in a screen")

    monkeypatch.setattr(intake, "accept", broken)
    guardian = Client(enforce_csrf_checks=True, raise_request_exception=False)
    assert _post_photo(guardian, upload_url).status_code == 500
    assert admission.in_use() == 0
    monkeypatch.undo()
    assert _post_photo(guardian, upload_url).status_code == 302


def test_a_refused_upload_releases_its_slot(upload_url, settings):
    settings.INTAKE_CONCURRENCY = 1
    guardian = Client(enforce_csrf_checks=True)
    payload = {
        "csrfmiddlewaretoken": _csrf(guardian, upload_url),
        "kind": "notice",
        "consent": "on",
        "file": SimpleUploadedFile("a.pdf", files.html_as_pdf()),
    }
    assert guardian.post(upload_url, payload).status_code == 400
    assert admission.in_use() == 0


def test_a_lease_of_a_dead_process_expires():
    admission.acquire(limit=1, lease_seconds=0.5)  # taken, never released: the process died
    with pytest.raises(admission.Busy):
        admission.acquire(limit=1)
    time.sleep(0.7)
    lease = admission.acquire(limit=1)
    assert admission.in_use() == 1
    admission.release(lease)
    assert admission.in_use() == 0


def test_the_limit_is_shared_and_never_overbooked_by_racing_servers():
    taken, busy = [], []
    barrier = threading.Barrier(12)

    def take() -> None:
        barrier.wait()
        try:
            taken.append(admission.acquire(limit=3))
        except admission.Busy:
            busy.append(1)

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 3 and len(busy) == 9
    for lease in taken:
        admission.release(lease)


def test_withdrawing_or_declaring_the_card_needs_no_slot(upload_url, participant, settings):
    settings.INTAKE_CONCURRENCY = 1
    admission.acquire()
    guardian = Client(enforce_csrf_checks=True)
    csrf = _csrf(guardian, upload_url)
    payload = {"csrfmiddlewaretoken": csrf, "kind": "card_carried", "consent": "on"}
    assert guardian.post(upload_url, payload).status_code == 302
    withdraw = guardian.post(upload_url, {"csrfmiddlewaretoken": csrf, "action": "withdraw"})
    assert withdraw.status_code == 302


def test_without_redis_no_slot_is_taken_and_the_answer_is_503(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    with pytest.raises(admission.Unavailable):
        admission.acquire()


def test_when_full_a_large_upload_is_answered_before_its_body_is_parsed(
    upload_url, settings, monkeypatch
):
    settings.INTAKE_CONCURRENCY = 1
    guardian = Client(enforce_csrf_checks=True)
    csrf = _csrf(guardian, upload_url)
    admission.acquire()

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr("documents.uploadhandlers.BoundedMemoryUploadHandler.new_file", never)
    photo = files.jpeg_with_gps(size=(2000, 1500)) + bytes(200_000)  # the size of a photo

    payload = {"csrfmiddlewaretoken": csrf, "kind": "notice", "consent": "on"}
    payload["file"] = SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg")
    html = _assert_busy_page(guardian.post(upload_url, payload), settings)
    assert f'href="{upload_url}"' in html
    assert not Document.objects.exists()
