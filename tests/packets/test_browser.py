"""Headless Chromium: the trip page's progress bar follows a build and ends in a download link."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from packets.models import Packet
from tests import factories


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_moves_and_ends_in_a_download_link(browser_page):
    school = factories.SchoolFactory()
    teacher = factories.member(school, "teacher")
    trip = factories.TripFactory(school=school, organiser=teacher)
    factories.ParticipantFactory(trip=trip)
    packet = Packet.objects.create(
        trip=trip,
        built_by=teacher,
        status="running",
        progress_phase="front",
        progress_done=1,
        progress_total=4,
    )
    page = browser_page
    page.goto(page.live_server_url + reverse("login"))
    page.fill("input[name=username]", teacher.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(page.live_server_url + reverse("trips:detail", args=[trip.pk]))
    bar = page.locator(f"#packet-{packet.uuid} .progress-bar")
    bar.wait_for()
    width = page.eval_on_selector(f"#packet-{packet.uuid} .progress-bar", "el => el.style.width")
    assert width == "25%"
    # The page was rendered in the front-matter phase; the script follows every later phase.
    text = page.locator(f"#packet-{packet.uuid} .packet-progress-text")
    for phase, label, done, expected in (
        ("placing", "書類の配置", 2, "50%"),
        ("join", "結合・押印", 3, "75%"),
        ("storing", "暗号化・保存", 4, "100%"),
    ):
        Packet.objects.filter(pk=packet.pk).update(progress_phase=phase, progress_done=done)
        deadline = time.monotonic() + 10
        while width != expected and time.monotonic() < deadline:
            page.wait_for_timeout(200)
            width = page.eval_on_selector(
                f"#packet-{packet.uuid} .progress-bar", "el => el.style.width"
            )
        assert width == expected  # moved without a reload
        assert text.inner_text() == f"{label} {done} / 4"
    Packet.objects.filter(pk=packet.pk).update(
        status="done", progress_done=4, storage_name="x", pages=3
    )
    link = page.locator(f"#packet-{packet.uuid} a[href$='/download/']")
    link.wait_for(timeout=10_000)  # the page reloaded by itself
    assert page.locator(f"#packet-{packet.uuid} .progress-bar").count() == 0
