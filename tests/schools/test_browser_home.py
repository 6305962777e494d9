"""Headless Chromium: the demo teacher logs in and sees the Japanese home page."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from demo.seed import DEMO_PASSWORD, seed_demo


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_demo_teacher_logs_in_and_sees_japanese_home(browser_page):
    seed_demo()
    page = browser_page
    page.goto(page.live_server_url + "/")
    page.fill("input[name=username]", "demo-teacher")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    assert page.locator("html").get_attribute("lang") == "ja"
    assert "学校行事の資格確認書類" in page.content()
    # The stylesheet loaded and applied: Bootstrap's navbar is a flex container.
    display = page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).display")
    assert display == "flex"
    hosts = {urlparse(url).hostname for url in page.requested_urls if url.startswith("http")}
    assert hosts == {"localhost"} or hosts <= {"localhost", "127.0.0.1"}
    assert any(url.endswith("bootstrap.min.css") for url in page.requested_urls)
