"""Teacher journeys in headless Chromium, phone and desktop: the dashboard, reminders and the
links CSV, and the trip day (find a child in two taps, show the document, record an incident)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from documents import intake
from retention.models import IncidentNote
from schools.models import AuditEvent
from tests.conftest import PHONE, chromium_page
from tests.documents import files
from tests.factories import GuardianFactory, ParticipantFactory, StudentFactory, TripFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": PHONE, "desktop": {"viewport": {"width": 1280, "height": 900}}}


@pytest.fixture
def world(school):
    teacher = member(school, "teacher")
    today = timezone.localdate()
    trip = TripFactory(
        school=school,
        organiser=teacher,
        title="京都研修",
        start_date=today,
        end_date=today + datetime.timedelta(days=2),
        collection_deadline=today,
        collecting_since=timezone.now(),
    )
    sent = ParticipantFactory(
        trip=trip, student=StudentFactory(school=school, name="佐藤 花子", kana="さとう はなこ")
    )
    intake.accept(sent, "portal_pdf", files.blank_pdf(1))
    waiting = StudentFactory(school=school, name="鈴木 一郎", kana="すずき いちろう")
    GuardianFactory(school=school, email="suzuki@example.jp").students.add(waiting)
    ParticipantFactory(trip=trip, student=waiting)
    return {"teacher": teacher, "trip": trip, "sent": sent}


def _logged_in(page, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": page.live_server_url}]
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_trip_day_two_taps_document_and_incident(live_server, world, size):
    with chromium_page(live_server, **SIZES[size]) as page:
        _logged_in(page, world["teacher"])
        page.goto(page.live_server_url + "/")
        # The dashboard lists the trip with what needs doing.
        card = page.locator(f"[data-trip='{world['trip'].pk}']")
        assert "確認待ちの書類 1 件" in card.inner_text()
        card.get_by_role("link", name="当日画面を開く").click()
        # Tap 1: the search box (typing filters at once); tap 2: the child.
        page.get_by_label("名前・ふりがなで探す").fill("さとう")
        # The filter runs on input: wait for it (is_hidden() would check only once, at once).
        expect(page.get_by_role("link", name="鈴木 一郎")).to_be_hidden()
        page.get_by_role("link", name="佐藤 花子").click()
        stamp = page.get_by_test_id("stamp")
        until = world["trip"].end_date.isoformat()
        assert f"本旅行期間中のみ有効（{until} まで）" in stamp.inner_text()
        image = page.get_by_role("img", name="佐藤 花子 の書類 1 ページ目")
        image.wait_for()
        page.wait_for_function("(img) => img.complete", arg=image.element_handle())
        assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
        page.get_by_role("button", name="全画面で提示する").click()
        box = page.locator("#tripday-document").bounding_box()
        viewport = page.viewport_size
        assert box["width"] >= viewport["width"] - 1 and box["y"] <= 0
        page.keyboard.press("Escape")
        assert page.evaluate("navigator.serviceWorker.controller") is None
        page.get_by_label("医療機関・場所").fill("京都市立病院")
        page.get_by_label("受診日").fill(timezone.localdate().isoformat())
        page.get_by_label("内容").fill("発熱のため受診")
        page.get_by_role("button", name="記録する").click()
        page.get_by_text("受診記録を保存しました。").wait_for()
    assert IncidentNote.objects.get().participant == world["sent"]
    assert AuditEvent.objects.filter(action="tripday_viewed").exists()


@pytest.mark.parametrize("size", list(SIZES))
def test_remind_missing_and_links_csv(live_server, world, size):
    with chromium_page(live_server, **SIZES[size]) as page:
        _logged_in(page, world["teacher"])
        page.goto(page.live_server_url + f"/documents/trip/{world['trip'].pk}/")
        assert "専用リンク" in page.locator("#links-warning").inner_text()
        with page.expect_download() as download:
            page.locator("#links-csv").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "鈴木 一郎" in text and "/u/" in text
        page.get_by_role("button", name="未提出の家庭にまとめて督促する").click()
        page.get_by_text("1 家庭に督促メールを送信待ちにしました。").wait_for()
    # The on-commit task ran eagerly in the server thread: one mail, to the family with nothing.
    assert [m.to for m in mail.outbox] == [["suzuki@example.jp"]]
