"""Load shape for bench/bench_load.py: guardians uploading phone photos and PDFs, teachers
browsing trip pages and building packets. Loopback only; the runner bounds users and seconds.

BENCH_FIXTURE (JSON written by the runner) names the upload tokens and the teachers' trips.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task

FIXTURE = json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text(encoding="utf-8"))
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_FILES: list[tuple[str, bytes, str, str]] = []


def _photo(seed: int, megabytes: float) -> bytes:
    """A phone-sized JPEG of about `megabytes` (noise compresses badly, like a real photo)."""
    from PIL import Image

    rng = random.Random(seed)
    side = 1200
    while True:
        image = Image.frombytes("RGB", (side, side * 4 // 3), rng.randbytes(side * side * 4))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=70)
        if buffer.tell() >= megabytes * 1_000_000 or side > 3000:
            return buffer.getvalue()
        side += 300


def _pdf(seed: int, megabytes: float) -> bytes:
    """A PDF holding one such photo, as a scanner app would make."""
    import img2pdf

    return img2pdf.convert(_photo(seed, megabytes))


@events.init.add_listener
def _make_files(environment, **kwargs) -> None:
    for seed, size in enumerate((2.0, 3.0, 4.0)):
        _FILES.append(("photo.jpg", _photo(seed, size), "image/jpeg", "notice_copy"))
    _FILES.append(("portal.pdf", _pdf(9, 2.5), "application/pdf", "portal_print"))


class Guardian(HttpUser):
    weight = 4  # 200 of 250 users
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.token = FIXTURE["tokens"].pop()
        # Each guardian has an address of its own (through the proxy: NUM_PROXIES=1), as phones
        # on the public network do; the rate limits are per address.
        n = len(FIXTURE["tokens"])
        self.headers = {"X-Forwarded-For": f"10.{n // 250}.{n % 250}.{random.randint(1, 250)}"}

    @task
    def upload(self) -> None:
        url = f"/u/{self.token}/"
        page = self.client.get(url, headers=self.headers, name="/u/[token]/ GET")
        match = _CSRF.search(page.text)
        if not match:
            return
        name, content, content_type, kind = random.choice(_FILES)
        with self.client.post(
            url,
            data={"csrfmiddlewaretoken": match.group(1), "kind": kind, "consent": "on"},
            files={"file": (name, content, content_type)},
            headers={**self.headers, "Referer": self.host + url},
            name="upload",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # A refusal is a clear page (200 with the message, or 429 with the rate-limit page):
            # not an error. A 5xx or a dropped connection is.
            if response.status_code in (200, 302, 429):
                response.success()


class Teacher(HttpUser):
    weight = 1  # 50 of 250 users
    wait_time = between(3, 8)

    def on_start(self) -> None:
        username, self.trip = FIXTURE["teachers"].pop()
        login = self.client.get("/login/")
        token = _CSRF.search(login.text).group(1)
        self.client.post(
            "/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": FIXTURE["password"],
            },
            headers={"Referer": self.host + "/login/"},
            name="login",
        )

    @task(8)
    def trip_page(self) -> None:
        self.client.get(f"/trips/{self.trip}/", name="/trips/[id]/")
        self.client.get(f"/documents/trip/{self.trip}/", name="/documents/trip/[id]/")

    @task(1)
    def build_packet(self) -> None:
        page = self.client.get(f"/documents/trip/{self.trip}/", name="/documents/trip/[id]/")
        match = _CSRF.search(page.text)
        if match:
            self.client.post(
                f"/packets/trip/{self.trip}/build/",
                data={"csrfmiddlewaretoken": match.group(1), "group_name": ""},
                headers={"Referer": self.host + f"/documents/trip/{self.trip}/"},
                name="packet build",
                allow_redirects=False,
            )
