"""A teacher logs in, creates a trip and adds a class, in headless Chromium."""

from __future__ import annotations

import os

import pytest

from tests.factories import PASSWORD, StudentFactory, member
from trips.models import Participant, ParticipantState, Trip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_teacher_creates_a_trip_and_adds_a_class(browser_page, school):
    teacher = member(school, "teacher")
    companion = member(school, "teacher")
    companion.last_name, companion.first_name = "引率", "先生"
    companion.save()
    for n in range(1, 6):
        StudentFactory(school=school, grade=2, class_name="3", number=n, name=f"二年三組 {n}")
    StudentFactory(school=school, grade=2, class_name="4", name="別の組")
    page = browser_page
    page.set_default_timeout(15_000)
    base = page.live_server_url

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", teacher.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/trips/")
    page.click("text=旅行を作成")
    page.fill("#id_title", "京都・奈良 修学旅行")
    page.select_option("#id_kind", "school_trip")
    page.fill("#id_destination", "京都")
    page.fill("#id_start_date", "2027-05-10")
    page.fill("#id_end_date", "2027-05-12")
    page.check(f"input[name=accompanying][value='{companion.pk}']")
    page.fill("#id_contact_phone", "075-000-0000")
    page.click("#trip-form button[type=submit]")

    page.wait_for_url("**/participants/add/")
    page.fill("#add-class-form input[name=grade]", "2")
    page.fill("#add-class-form input[name=class_name]", "3")
    page.click("#add-class-form button[type=submit]")
    page.wait_for_selector("text=5人を追加しました")

    page.click("text=旅行のページへ")
    page.wait_for_selector("#participants")
    rows = page.locator("#participants tbody tr[data-state]")
    assert rows.count() == 5
    assert "準備中" in page.inner_text("#trip-status")
    # The progress bar gets its width from our script (no inline styles under the CSP): with
    # 2 of 5 accepted the first segment is 40% wide, which only site.js can have set.
    trip = Trip.objects.get(title="京都・奈良 修学旅行")
    accepted = list(trip.participants.values_list("pk", flat=True)[:2])
    Participant.objects.filter(pk__in=accepted).update(state=ParticipantState.ACCEPTED)
    page.reload()
    bar = page.locator(".progress-stacked .progress").first
    assert bar.get_attribute("data-width") == "40"
    assert bar.evaluate("el => el.style.width") == "40%"

    if shot := os.environ.get("TRIP_SCREENSHOT"):
        page.screenshot(path=shot, full_page=True)

    trip = Trip.objects.get(title="京都・奈良 修学旅行")
    assert trip.organiser == teacher
    assert list(trip.accompanying.all()) == [companion]
    assert trip.participants.count() == 5
    # Nothing was fetched from anywhere but our own server.
    assert all(url.startswith(base) for url in page.requested_urls)
