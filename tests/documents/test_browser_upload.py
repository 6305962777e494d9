"""The phone-first upload page in headless Chromium: buttons, preview, progress, fallback."""

from __future__ import annotations

import pytest
from django.utils import timezone

from documents import links
from documents.models import Document
from tests.factories import ParticipantFactory, StudentFactory, TripFactory, member

from . import files

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def upload_url(school):
    teacher = member(school, "teacher")
    trip = TripFactory(school=school, organiser=teacher, collecting_since=timezone.now())
    student = StudentFactory(school=school, name="鈴木 一郎", kana="すずき いちろう")
    participant = ParticipantFactory(trip=trip, student=student)
    return "/u/" + links.token_for(links.issue(participant)) + "/"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_photo_preview_progress_and_receipt(browser_page, upload_url, tmp_path, viewport):
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(files.jpeg_with_gps(size=(1200, 1600)))
    page = browser_page
    page.set_viewport_size(viewport)
    page.goto(page.live_server_url + upload_url)
    camera = page.get_by_text("写真を撮る", exact=True)
    chooser = page.get_by_text("ファイルを選ぶ", exact=True)
    for button in (camera, chooser):
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # a thumb-sized target
    assert page.get_attribute("#id_photo", "capture") == "environment"
    assert "カードの部分全体" in page.inner_text("#file-advice")
    page.check("#kind-notice")
    page.set_input_files("#id_photo", str(photo))
    assert "IMG_0001.jpg" in page.get_by_test_id("file-chosen").inner_text()
    page.get_by_role("img", name="選んだ写真のプレビュー").wait_for()
    page.check("#id_consent")
    # Sent by XHR (with progress), not by the plain form POST.
    with page.expect_request(lambda r: r.method == "POST" and r.resource_type == "xhr"):
        page.get_by_role("button", name="送信する").click()
    page.get_by_test_id("receipt").wait_for()
    assert Document.objects.count() == 1


def test_pdf_shows_name_and_size_and_keyboard_reaches_the_buttons(
    browser_page, upload_url, tmp_path
):
    pdf = tmp_path / "shikaku.pdf"
    pdf.write_bytes(files.blank_pdf(1))
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(page.live_server_url + upload_url)
    page.focus("#id_photo")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_file"
    # The hidden inputs are named by their visible buttons for screen readers.
    assert page.get_by_label("ファイルを選ぶ", exact=True).count() == 1
    assert page.get_by_label("写真を撮る", exact=True).count() == 1
    page.set_input_files("#id_file", str(pdf))
    chosen = page.get_by_test_id("file-chosen").inner_text()
    assert "shikaku.pdf" in chosen and "KB" in chosen


def test_slow_connection_shows_progress(browser_page, upload_url, tmp_path):
    photo = tmp_path / "big.jpg"
    photo.write_bytes(files.jpeg_with_gps(size=(3000, 4000)))
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(page.live_server_url + upload_url)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 100,
            "downloadThroughput": 200_000,
            "uploadThroughput": 60_000,
        },
    )
    page.check("#kind-notice")
    page.set_input_files("#id_photo", str(photo))
    page.check("#id_consent")
    page.get_by_role("button", name="送信する").click()
    page.wait_for_function("() => document.getElementById('upload-progress-bar').value > 0")
    assert page.is_visible("#upload-progress")
    assert "%" in page.inner_text("#upload-progress-status")
    page.get_by_test_id("receipt").wait_for(timeout=120_000)


def test_dropped_xhr_falls_back_to_the_form_post(browser_page, upload_url, tmp_path):
    photo = tmp_path / "IMG_0002.jpg"
    photo.write_bytes(files.jpeg_with_gps(size=(800, 600)))
    page = browser_page
    page.set_viewport_size(PHONE)

    def drop_xhr(route):
        if route.request.resource_type in ("xhr", "fetch"):
            route.abort()
        else:
            route.continue_()

    page.route("**/u/**", drop_xhr)
    page.goto(page.live_server_url + upload_url)
    page.check("#kind-notice")
    page.set_input_files("#id_photo", str(photo))
    page.check("#id_consent")
    page.get_by_role("button", name="送信する").click()
    page.get_by_test_id("receipt").wait_for()
    assert Document.objects.count() == 1


def test_refusal_is_shown_in_place(browser_page, upload_url, tmp_path):
    bad = tmp_path / "fake.pdf"
    bad.write_bytes(files.html_as_pdf())
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(page.live_server_url + upload_url)
    page.check("#kind-portal_pdf")
    page.set_input_files("#id_file", str(bad))
    page.check("#id_consent")
    page.get_by_role("button", name="送信する").click()
    error = page.get_by_test_id("upload-error")
    error.wait_for()
    assert page.evaluate("document.activeElement.dataset.testid") == "upload-error"
    assert Document.objects.count() == 0


def test_a_busy_answer_is_sent_again_by_itself(browser_page, upload_url, tmp_path, settings):
    """503 busy with Retry-After: the page says so and resends the same file, no reselecting."""
    from documents import admission

    settings.INTAKE_CONCURRENCY = 1
    settings.INTAKE_RETRY_AFTER = 1
    lease = admission.acquire()  # another upload holds the only slot
    busy = []

    def on_response(response):
        if response.request.method == "POST" and response.status == 503:
            busy.append(response.headers.get("retry-after"))
            admission.release(lease)  # the other upload is done: the resend gets the slot

    photo = tmp_path / "IMG_0003.jpg"
    photo.write_bytes(files.jpeg_with_gps(size=(800, 600)))
    page = browser_page
    page.set_viewport_size(PHONE)
    page.on("response", on_response)
    page.goto(page.live_server_url + upload_url)
    page.check("#kind-notice")
    page.set_input_files("#id_photo", str(photo))
    page.check("#id_consent")
    page.get_by_role("button", name="送信する").click()
    page.locator("#upload-progress-status", has_text="秒後に自動でもう一度送ります").wait_for()
    page.get_by_test_id("receipt").wait_for(timeout=30_000)
    assert busy == ["1"]
    assert Document.objects.count() == 1
