"""Load shape for bench/bench_load.py: guardians uploading phone photos and PDFs, teachers
browsing trip pages and building packets. Loopback only; the runner bounds users and seconds.

What a guardian sends is what guardians send: a phone photo (12 MP, 2-4 MB) of the paper notice
or its card part, lying on a table, slightly skewed, with sensor noise (bench/ocr_samples.py
renders the documents); a scanner app's PDF of such a photo; a マイナポータル PDF with a text
layer. A guardian opens the link once in the evening, at a moment of their own spread over the
run, reads the page, takes the photo (think time), sends it, looks at the receipt and is done;
some come back later to replace it. When the site answers busy (503 with Retry-After) they do
what the upload page's script does: wait that long (plus a few random seconds) and send the
same file again, up to six times. Busy answers are reported apart ("upload busy"), as is the
whole wait from the first press to the receipt ("upload incl. retries").

BENCH_FIXTURE (JSON written by the runner) names the upload tokens and the teachers' trips;
BENCH_ARRIVAL_SECONDS spreads the guardians' first visits.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import sys
import time
from pathlib import Path

from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = json.loads(Path(os.environ["BENCH_FIXTURE"]).read_text(encoding="utf-8"))
ARRIVAL_SECONDS = float(os.environ.get("BENCH_ARRIVAL_SECONDS", "45"))
BUSY_RETRIES = 6  # as MAX_BUSY_RETRIES in static/js/upload.js
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_FILES: list[tuple[str, bytes, str, str]] = []


def _document_photo(seed: int, megabytes: float) -> bytes:
    """A 12 MP phone photo of a paper notice (or its card part) of about `megabytes`."""
    from PIL import Image, ImageChops

    sys.path.insert(0, str(ROOT / "bench"))
    import ocr_samples

    rng = random.Random(seed)
    name = ocr_samples.NAMES[seed % len(ocr_samples.NAMES)][0]
    if seed % 2:
        flat = ocr_samples.a4_notice(rng, name, insurer_valid=True)
    else:
        flat, _ = ocr_samples.notice_card(rng, name, insurer_valid=True)
    # The renderers draw at scanner resolution; a phone sees the page at 4032 px.
    scale = 3400 / max(flat.size)
    flat = flat.resize((round(flat.width * scale), round(flat.height * scale)))
    shot = ocr_samples.photograph(rng, flat, rotation=0, long_side=4032, quality=95, blur=0.8)
    clean = Image.open(io.BytesIO(shot)).convert("RGB")
    # Sensor noise is what makes a phone JPEG weigh 2-4 MB; add it until the size is right.
    sigma = 1.5
    while True:
        noise = Image.effect_noise(clean.size, sigma).convert("RGB")
        noisy = ImageChops.add(clean, noise, scale=1.0, offset=-128)
        out = io.BytesIO()
        noisy.save(out, "JPEG", quality=95)  # what phone cameras write
        if out.tell() >= megabytes * 1_000_000 or sigma > 40:
            return out.getvalue()
        sigma *= 1.25


def _scanned_pdf(seed: int, megabytes: float) -> bytes:
    """A scanner app's PDF: one such photo, no text layer (screened by OCR of the page)."""
    import img2pdf

    return img2pdf.convert(_document_photo(seed, megabytes))


def _portal_pdf() -> bytes:
    """A マイナポータル 資格情報 PDF with its text layer (screened on its text)."""
    sys.path.insert(0, str(ROOT))
    from tests.documents import files

    return files.japanese_pdf(
        [
            "資格情報",
            "氏名　山田 太郎",
            "保険者番号　06130012",
            "記号　123　番号　4567　枝番　01",
            "資格取得年月日　令和5年4月1日",
        ]
    )


def _browser_like(session) -> None:
    """Resend a GET once when a kept-alive connection turns out closed, as browsers do.

    gunicorn closes a connection idle for `keepalive` seconds; a client whose think time ends at
    that moment sends on a socket the server just closed and reads a reset. A browser sends
    such an idempotent request again on a new connection (the user never sees it); requests does
    not. POSTs are never resent: an upload that fails on the wire counts as an error.
    """
    retry = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET", "HEAD"})
    session.mount("http://", HTTPAdapter(max_retries=retry))


@events.init.add_listener
def _make_files(environment, **kwargs) -> None:
    for seed, size in ((1, 2.2), (2, 3.0), (3, 3.8)):
        _FILES.append(("IMG_0001.jpg", _document_photo(seed, size), "image/jpeg", "notice_copy"))
    _FILES.append(("scan.pdf", _scanned_pdf(4, 2.5), "application/pdf", "notice_copy"))
    _FILES.append(("shikaku.pdf", _portal_pdf(), "application/pdf", "portal_pdf"))
    sizes = ", ".join(f"{name} {len(data) / 1e6:.1f} MB" for name, data, _, _ in _FILES)
    print(f"bench files: {sizes}", file=sys.stderr)


class Guardian(HttpUser):
    weight = 4  # 200 of 250 users
    # After a visit, a guardian comes back (to replace the file) rarely, if at all in the run.
    wait_time = between(60, 180)

    def on_start(self) -> None:
        _browser_like(self.client)
        self.token = FIXTURE["tokens"].pop()
        # Each guardian has an address of its own (through the proxy: NUM_PROXIES=1), as phones
        # on the public network do; the rate limits are per address.
        n = len(FIXTURE["tokens"])
        self.headers = {"X-Forwarded-For": f"10.{n // 250}.{n % 250}.{random.randint(1, 250)}"}
        # The evening: guardians open their link at moments of their own, not all at once.
        time.sleep(random.uniform(0, ARRIVAL_SECONDS))

    @task
    def upload(self) -> None:
        url = f"/u/{self.token}/"
        page = self.client.get(url, headers=self.headers, name="/u/[token]/ GET")
        match = _CSRF.search(page.text)
        if not match:
            return
        # Reading the page, choosing the kind, taking the photo.
        time.sleep(random.uniform(8, 25))
        name, content, content_type, kind = random.choice(_FILES)
        started = time.perf_counter()
        for attempt in range(BUSY_RETRIES + 1):
            retry_after = self._send(url, match.group(1), name, content, content_type, kind)
            if retry_after is None:
                break
            if attempt == BUSY_RETRIES:
                return  # the guardian sees the busy page and comes back later
            time.sleep(retry_after + random.uniform(0, 10))  # upload.js adds the same jitter
        events.request.fire(
            request_type="FLOW",
            name="upload incl. retries",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None,
            context={},
        )

    def _send(self, url, csrf, name, content, content_type, kind) -> float | None:
        """One POST; the Retry-After seconds when the site answered busy, else None."""
        with self.client.post(
            url,
            data={"csrfmiddlewaretoken": csrf, "kind": kind, "consent": "on"},
            files={"file": (name, content, content_type)},
            headers={**self.headers, "Referer": self.host + url},
            name="upload",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 503 and response.headers.get("X-Intake-Busy"):
                # A clear "busy, try again" page, nothing kept: not an error, counted apart.
                response.request_meta["name"] = "upload busy"
                response.success()
                return float(response.headers.get("Retry-After") or 30)
            if response.status_code == 302:
                response.success()
            elif response.status_code in (400, 413, 429):
                # A refusal with its reason. These files are all acceptable: a refusal means the
                # site gave up on a good document (a limit hit under load), so it is an error.
                response.failure(f"refused {response.status_code}")
        if response.status_code == 302:
            self.client.get(
                response.headers["Location"], headers=self.headers, name="/u/[token]/receipt/"
            )
        return None


class Teacher(HttpUser):
    weight = 1  # 50 of 250 users
    wait_time = between(5, 20)  # reading a page of 50 students before the next click

    def on_start(self) -> None:
        _browser_like(self.client)
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
