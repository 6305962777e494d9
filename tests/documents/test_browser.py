"""A guardian on a phone uploads a photo and sees the receipt; the teacher then accepts it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from documents import links
from documents.models import Document, ReviewState
from tests.factories import PASSWORD, ParticipantFactory, StudentFactory, TripFactory, member

from . import files

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("redis_cache"),
]


def _collecting(school):
    """A teacher's trip collecting documents, one participant and the guardian's link token."""
    teacher = member(school, "teacher")
    trip = TripFactory(school=school, organiser=teacher, collecting_since=timezone.now())
    student = StudentFactory(school=school, name="鈴木 一郎", kana="すずき いちろう")
    participant = ParticipantFactory(trip=trip, student=student)
    token = links.token_for(links.issue(participant))
    return teacher, trip, participant, token


def test_guardian_uploads_a_photo_and_teacher_accepts(browser_page, tmp_path, school):
    teacher, trip, participant, token = _collecting(school)
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(files.jpeg_with_gps(size=(1200, 1600)))

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    base = page.live_server_url
    page.goto(f"{base}/u/{token}/")
    assert page.get_by_test_id("student-name").inner_text() == "鈴木 一郎"
    page.check("#kind-notice")
    page.set_input_files("#id_file", str(photo))
    page.check("#id_consent")
    page.get_by_role("button", name="送信する").click()
    page.get_by_test_id("receipt").wait_for()
    assert trip.purge_after.isoformat() in page.content()
    document = Document.objects.get(participant=participant)
    assert document.review_state == ReviewState.PENDING

    # The page loaded nothing from outside our origin.
    assert all(url.startswith(base) for url in page.requested_urls)

    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", teacher.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
    page.goto(f"{base}/documents/{document.uuid}/")
    preview = page.locator("img[src*='/page/1.png']")
    preview.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", preview.element_handle()) > 0
    page.get_by_test_id("accept").click()
    page.wait_for_load_state()
    document.refresh_from_db()
    assert document.review_state == ReviewState.ACCEPTED


def test_guardian_photo_of_a_card_back_is_refused_in_japanese(browser_page, tmp_path, school):
    """A phone photo of the My Number card's back: refused on the page, nothing stored."""
    import random

    from bench import ocr_samples

    _teacher, _trip, participant, token = _collecting(school)
    rng = random.Random(1)
    card = ocr_samples.card_back(rng, "鈴木 一郎", valid=True, style="spaces")
    photo = tmp_path / "IMG_0002.jpg"
    photo.write_bytes(ocr_samples.photograph(rng, card, rotation=0, long_side=1400, blur=0.6))

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.live_server_url}/u/{token}/")
    page.check("#kind-notice")
    page.set_input_files("#id_file", str(photo))
    page.check("#id_consent")
    page.get_by_role("button", name="送信する").click()
    error = page.get_by_test_id("upload-error")
    error.wait_for()
    assert "マイナンバー（個人番号）と思われる12桁の番号が含まれています" in error.inner_text()
    assert not Document.objects.filter(participant=participant).exists()
