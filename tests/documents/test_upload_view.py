"""The guardian's page over HTTP: the contract, headers, limits, expiry and throttling."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from documents import links, ratelimit
from documents.models import Document
from schools.models import AuditEvent
from trips.models import ParticipantState

from . import files

# The upload page counts requests in the shared Redis cache (rate limits).
pytestmark = pytest.mark.usefixtures("redis_cache")


@pytest.fixture
def guardian():
    return Client(enforce_csrf_checks=True)


def _csrf(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.cookies["csrftoken"].value


def _post(client, url, data_bytes=None, *, kind="notice", name="photo.jpg", consent=True, **extra):
    payload = {"csrfmiddlewaretoken": _csrf(client, url), "kind": kind, **extra}
    if consent:
        payload["consent"] = "on"
    if data_bytes is not None:
        payload["file"] = SimpleUploadedFile(name, data_bytes, content_type="image/jpeg")
    return client.post(url, payload)


def _no_plaintext_anywhere(settings, marker: bytes):
    for root in (
        settings.DATA_DIR,
        settings.VAULT_DIR,
        __import__("pathlib").Path(settings.FILE_UPLOAD_TEMP_DIR),
    ):
        for path in root.rglob("*"):
            if path.is_file() and path.stat().st_size < 50_000_000:
                assert marker not in path.read_bytes(), path


def test_get_shows_trip_child_kinds_and_deletion_date(guardian, upload_url, participant):
    response = guardian.get(upload_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert participant.student.name in html
    assert participant.trip.title in html
    assert participant.trip.purge_after.isoformat() in html
    for code in (
        "portal_pdf",
        "portal_print",
        "notice",
        "notice_copy",
        "kakunin_copy",
        "card_carried",
    ):
        assert f'value="{code}"' in html
    assert 'name="consent"' in html and 'type="file"' in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert "script-src" in response["Content-Security-Policy"]


def test_upload_photo_then_receipt(guardian, upload_url, participant, settings):
    response = _post(guardian, upload_url, files.jpeg_with_gps())
    assert response.status_code == 302
    receipt = guardian.get(response["Location"])
    assert receipt.status_code == 200
    assert 'data-testid="receipt"' in receipt.content.decode()
    document = Document.objects.get()
    assert document.participant == participant
    assert document.read_content().startswith(b"\xff\xd8\xff")
    participant.refresh_from_db()
    assert participant.state == ParticipantState.UPLOADED
    assert not list(__import__("pathlib").Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir())
    _no_plaintext_anywhere(settings, files.MARKER.encode())


def test_path_traversal_file_name_is_ignored(guardian, upload_url, settings):
    response = _post(guardian, upload_url, files.png_image(), name="../../../etc/passwd.jpg")
    assert response.status_code == 302
    document = Document.objects.get()
    assert "passwd" not in document.storage_name and ".." not in document.storage_name
    stored = [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].is_relative_to(settings.VAULT_DIR)


def test_eleven_megabytes_are_stopped_while_streaming(guardian, upload_url, settings):
    big = b"%PDF-1.7\n" + b"A" * (11 * 1024 * 1024)
    response = _post(guardian, upload_url, big, name="big.pdf", kind="portal_pdf")
    assert response.status_code == 413
    assert "10MB" in response.content.decode()
    assert not Document.objects.exists()
    assert not list(__import__("pathlib").Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir())
    assert AuditEvent.objects.filter(action="upload_refused", details__reason="too_large").exists()


def test_empty_file_rerenders_with_message(guardian, upload_url):
    response = _post(guardian, upload_url, b"", name="empty.pdf")
    assert response.status_code == 400
    assert "ファイルが空です" in response.content.decode()
    assert not Document.objects.exists()


def test_html_named_pdf_is_refused(guardian, upload_url):
    response = _post(guardian, upload_url, files.html_as_pdf(), name="scan.pdf", kind="portal_pdf")
    assert response.status_code == 400
    assert "PDF、JPEG、PNG" in response.content.decode()


def test_english_message_when_english_chosen(guardian, upload_url):
    guardian.cookies["django_language"] = "en"
    response = _post(guardian, upload_url, files.html_as_pdf(), name="scan.pdf")
    assert response.status_code == 400
    assert "PDF, JPEG, PNG" in response.content.decode()


def test_consent_is_required(guardian, upload_url):
    response = _post(guardian, upload_url, files.png_image(), consent=False)
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_csrf_is_enforced(guardian, upload_url):
    response = guardian.post(upload_url, {"kind": "card_carried", "consent": "on"})
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_two_files_in_one_request_are_refused(guardian, upload_url):
    csrf = _csrf(guardian, upload_url)
    response = guardian.post(
        upload_url,
        {
            "csrfmiddlewaretoken": csrf,
            "kind": "notice",
            "consent": "on",
            "file": [
                SimpleUploadedFile("a.png", files.png_image()),
                SimpleUploadedFile("b.png", files.png_image()),
            ],
        },
    )
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_card_carried_needs_no_file(guardian, upload_url, participant):
    response = _post(guardian, upload_url, kind="card_carried")
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.state == ParticipantState.CARD_CARRIED


def test_withdraw_until_locked(
    guardian, upload_url, participant, django_capture_on_commit_callbacks
):
    _post(guardian, upload_url, files.png_image())
    with django_capture_on_commit_callbacks(execute=True):
        response = guardian.post(
            upload_url, {"csrfmiddlewaretoken": _csrf(guardian, upload_url), "action": "withdraw"}
        )
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert 'data-testid="receipt-withdrawn"' in guardian.get(response["Location"]).content.decode()


def test_guardian_can_download_nothing(guardian, upload_url, participant):
    _post(guardian, upload_url, files.png_image())
    document = Document.objects.get()
    html = guardian.get(upload_url).content.decode()
    assert str(document.uuid) not in html
    assert guardian.get(f"/documents/{document.uuid}/download/").status_code == 302  # to login


@pytest.mark.parametrize("change", ["locked", "ended", "cancelled", "revoked"])
def test_expired_or_revoked_links_answer_404(guardian, upload_url, participant, change):
    trip = participant.trip
    today = timezone.localdate()
    if change == "locked":
        trip.locked_at = timezone.now()
    elif change == "ended":
        trip.start_date, trip.end_date = (
            today - datetime.timedelta(days=5),
            today - datetime.timedelta(days=1),
        )
    elif change == "cancelled":
        trip.cancelled_at = timezone.now()
    trip.save()
    if change == "revoked":
        links.revoke(participant)
    response = guardian.get(upload_url)
    assert response.status_code == 404
    assert "期限が切れています" in response.content.decode()


def test_reissued_link_replaces_the_old_one(guardian, upload_url, participant):
    new = links.issue(participant)
    assert guardian.get(upload_url).status_code == 404
    assert guardian.get(f"/u/{links.token_for(new)}/").status_code == 200


def test_token_is_stored_only_as_a_hash(participant, token):
    from documents.models import UploadLink

    row = UploadLink.objects.filter(participant=participant).values().get()
    assert token not in repr(row)
    assert len(token) == 32


def test_guessing_tokens_is_throttled_per_ip(guardian, upload_url):
    limit = ratelimit.UNKNOWN_TOKEN_PER_IP[0]
    for i in range(limit):
        assert guardian.get(f"/u/{'x' * 31}{i % 10}/").status_code == 404
    assert guardian.get("/u/" + "y" * 32 + "/").status_code == 429
    # Even a good token from that address waits now.
    assert guardian.get(upload_url).status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.9").get(upload_url).status_code == 200


def test_uploads_per_token_are_throttled(guardian, upload_url, settings):
    settings.DEBUG = False
    limit = ratelimit.UPLOADS_PER_TOKEN[0]
    for _ in range(limit):
        _post(guardian, upload_url, b"", name="x.pdf")
    response = _post(guardian, upload_url, files.png_image())
    assert response.status_code == 429
    assert not Document.objects.exists()


def test_logs_hold_no_token_file_name_or_content(guardian, upload_url, token, caplog, capsys):
    import logging

    photo, pdf = files.jpeg_with_gps(size=(600, 800)), files.text_pdf("1234 5678 9018")
    caplog.set_level(logging.DEBUG)
    secret_name = f"{files.MARKER}-yamada.jpg"
    _post(guardian, upload_url, photo, name=secret_name)
    _post(guardian, upload_url, pdf, name=secret_name, kind="portal_pdf")
    guardian.get(f"/u/{token[:-1]}X/")
    captured = caplog.text + "".join(capsys.readouterr())
    for needle in (token, files.MARKER, "yamada", "123456789018", "1234 5678 9018"):
        assert needle not in captured
    details = repr(list(AuditEvent.objects.values_list("details", flat=True)))
    assert files.MARKER not in details and "yamada" not in details


# --- consent, card declaration with a file -------------------------------------------------


@pytest.mark.parametrize("value", ["no", "off", "0 ", "yes", "true", "ON"])
def test_consent_must_be_exactly_on(guardian, upload_url, participant, value):
    csrf = _csrf(guardian, upload_url)
    payload = {"csrfmiddlewaretoken": csrf, "kind": "card_carried", "consent": value}
    response = guardian.post(upload_url, payload)
    assert response.status_code == 400
    assert "利用目的と削除日への同意が必要です" in response.content.decode()
    assert not Document.objects.exists()
    participant.refresh_from_db()
    assert participant.state != ParticipantState.CARD_CARRIED


def test_card_carried_with_a_file_is_refused_with_the_reason(guardian, upload_url, participant):
    response = _post(guardian, upload_url, files.png_image(), kind="card_carried")
    assert response.status_code == 400
    assert "ファイルを送れません" in response.content.decode()
    assert not Document.objects.exists()
    participant.refresh_from_db()
    assert participant.state == ParticipantState.LINK_SENT
    event = AuditEvent.objects.get(action="upload_refused")
    assert event.details["reason"] == "card_with_file"


# --- behind a reverse proxy -----------------------------------------------------------------


def _guess_until_throttled(client, **headers) -> None:
    for i in range(ratelimit.UNKNOWN_TOKEN_PER_IP[0]):
        assert client.get(f"/u/{'x' * 31}{i % 10}/", **headers).status_code == 404
    assert client.get("/u/" + "y" * 32 + "/", **headers).status_code == 429


def test_behind_one_proxy_each_guardian_has_their_own_limit(upload_url, settings):
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.1"
    guesser = Client(REMOTE_ADDR=proxy)
    _guess_until_throttled(guesser, HTTP_X_FORWARDED_FOR="203.0.113.7")
    # Another guardian behind the same proxy is not throttled...
    other = Client(REMOTE_ADDR=proxy)
    assert other.get(upload_url, HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 200
    # ...and the guesser cannot escape by writing another address in front of the proxy's.
    forged = "192.0.2.99, 203.0.113.7"
    assert guesser.get(upload_url, HTTP_X_FORWARDED_FOR=forged).status_code == 429


def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(upload_url, settings):
    settings.NUM_PROXIES = 0
    client = Client(REMOTE_ADDR="10.0.0.1")
    _guess_until_throttled(client, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client.get(upload_url, HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 429


# --- the shared cache is down ---------------------------------------------------------------


@pytest.fixture
def cache_down(settings):
    # Nothing listens on port 1: every cache call fails at once with a connection error.
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }


def test_without_the_cache_the_page_still_opens(guardian, upload_url, token, cache_down, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="documents.ratelimit")
    response = guardian.get(upload_url)
    assert response.status_code == 200
    assert 'name="consent"' in response.content.decode()
    assert any(r.levelno == logging.WARNING for r in caplog.records)
    assert token not in caplog.text


def test_without_the_cache_an_upload_answers_503_and_stores_nothing(
    guardian, upload_url, participant, token, settings, caplog
):
    import logging

    csrf = _csrf(guardian, upload_url)  # the page was opened while the cache answered
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    caplog.set_level(logging.WARNING)
    payload = {"csrfmiddlewaretoken": csrf, "kind": "notice", "consent": "on"}
    payload["file"] = SimpleUploadedFile("photo.png", files.png_image())
    response = guardian.post(upload_url, payload)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "一時停止" in html and "try again" in html
    assert not Document.objects.exists()
    assert _stored_files(settings) == []
    assert "rate limit cache unavailable" in caplog.text
    assert token not in caplog.text
    guardian.cookies["django_language"] = "en"
    english = guardian.post(upload_url, {"csrfmiddlewaretoken": csrf, "action": "withdraw"})
    assert english.status_code == 503
    assert "一時停止" not in english.content.decode()


def _stored_files(settings):
    return [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]


def test_a_link_stays_valid_during_the_trip_until_its_end(guardian, upload_url, participant):
    """DESIGN §3: valid until the trip's end; a late family can still upload on day one."""
    trip = participant.trip
    trip.start_date = timezone.localdate()
    trip.end_date = trip.start_date + datetime.timedelta(days=1)
    trip.save()
    assert guardian.get(upload_url).status_code == 200


@pytest.mark.parametrize(
    ("maker", "text"),
    [
        (files.heic_garbage, "画像を読み取れませんでした"),
        (lambda: files.progressive_jpeg(repeat_scans=300), "この画像は処理できませんでした"),
    ],
    ids=["heic-garbage", "many-scans"],
)
def test_hostile_images_get_a_clear_message_not_a_500(guardian, upload_url, settings, maker, text):
    response = _post(guardian, upload_url, maker(), name="IMG_0001.HEIC")
    assert response.status_code == 400
    assert text in response.content.decode()
    assert not Document.objects.exists()
    temp = __import__("pathlib").Path(settings.FILE_UPLOAD_TEMP_DIR)
    assert not temp.exists() or not any(p.is_file() for p in temp.rglob("*"))
