"""The packet's front matter: the cover (WeasyPrint, cached) and the roster index (drawn).

The cover for hospital and pharmacy staff is one page of running text, laid out by WeasyPrint
from `packets/pdf/cover.html` in a child process (packets.render_html) while the builder
places the documents. It is the same for every build of a trip (or group) until its text
changes, so the PDF is kept in the vault, encrypted under the trip's key (`CachedCover`), keyed
by the hash of its HTML: a rebuild reuses it and pays no WeasyPrint at all; a changed cover
replaces the cached one (the old file goes after commit). The roster index and the stamps are
drawn directly (packets.index), which is ~100× faster than the HTML table they replace.

The packet is a Japanese document for Japanese hospitals whatever the teacher's UI language, so
its template is rendered in Japanese (translation.override) and its text is not in the .po file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import get_template, render_to_string
from django.utils import translation

from documents import vault
from schools.people import display_name

from .errors import BuildError
from .fontsubset import face
from .models import CachedCover

log = logging.getLogger(__name__)

FONT_URL = "packet:/fonts/ipaexg.ttf"
COVER_PAGES = 1

__all__ = ["Cover", "cover_html", "font_path", "forget_trip_covers", "warm_up"]


def font_path() -> str:
    return settings.PACKET_FONT_PATH


def cover_html(plan) -> str:
    """HTML of the cover. Autoescaped: names are text, never markup."""
    trip = plan.trip
    rows = plan.rows
    context = {
        "trip": trip,
        "school": trip.school,
        "group_name": plan.group_name,
        "organiser": display_name(trip.organiser),
        "accompanying": [display_name(u) for u in trip.accompanying.all()],
        "participant_count": len(rows),
        "document_count": sum(1 for row in rows if row.items),
        "card_count": sum(1 for row in rows if row.status == "card"),
        "missing_count": sum(1 for row in rows if row.status == "missing"),
        "font_url": FONT_URL,
        "valid_until": trip.end_date,
        # The same date the guardians consented to and the trip page shows.
        "purge_due_at": trip.purge_due_at,
    }
    with translation.override("ja"):
        return render_to_string("packets/pdf/cover.html", context)


def _key(html: str) -> str:
    # The font file is part of what the cover looks like.
    return hashlib.sha256(f"{font_path()}\n{html}".encode()).hexdigest()


class Cover:
    """The cover PDF of one build: from the cache, or rendered by a child process meanwhile."""

    def __init__(self, plan, tmp: Path):
        self.plan = plan
        self.path = tmp / "cover.pdf"
        self.html_path = tmp / "cover.html"
        self.process: subprocess.Popen | None = None
        self.cached = False
        html = cover_html(plan)
        self.key = _key(html)
        entry = CachedCover.objects.filter(
            trip_id=plan.trip.pk, group_name=plan.group_name, html_sha256=self.key
        ).first()
        if entry is not None:
            try:
                self.path.write_bytes(vault.load(plan.trip.pk, entry.storage_name, aad=entry.aad))
                self.cached = True
                return
            except (OSError, vault.VaultError):
                log.warning("the cached cover could not be read; rendering it again")
        self._start(html)

    def _start(self, html: str) -> None:
        self.html_path.write_text(html, encoding="utf-8")  # before the child: nothing to leak
        self.process = _take_spare() or _spawn_renderer()
        request = {
            "resources": {FONT_URL: font_path()},
            "html": str(self.html_path),
            "pdf": str(self.path),
        }
        stdin, self.process.stdin = self.process.stdin, None  # communicate() must not flush it
        try:
            with stdin:
                stdin.write(json.dumps(request).encode())
        except OSError:
            pass  # the child is gone; wait() reports front_matter_failed

    def wait(self, timeout: float) -> float:
        """Wait for the render (if any) and cache its result; the seconds spent waiting."""
        if self.process is None:
            return 0.0
        started = time.monotonic()
        try:
            out, _err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise BuildError("front_matter_timeout") from exc
        finally:
            self.html_path.unlink(missing_ok=True)  # it holds names in clear
        if self.process.returncode != 0 or not self.path.exists():
            raise BuildError("front_matter_failed")
        try:
            pages = json.loads(out.decode(errors="replace").strip().splitlines()[-1])["pages"]
        except (ValueError, KeyError, IndexError, TypeError):
            pages = None
        # The index numbers its pages from the cover's count: check that it held.
        if pages != COVER_PAGES:
            raise BuildError("front_matter_layout")
        self._remember()
        return time.monotonic() - started

    def _remember(self) -> None:
        """Keep the rendered cover in the vault; the one it replaces goes after commit."""
        trip_id, group = self.plan.trip.pk, self.plan.group_name
        entry = CachedCover(trip_id=trip_id, group_name=group, html_sha256=self.key)
        entry.storage_name = vault.store(trip_id, self.path.read_bytes(), aad=entry.aad)
        try:
            with transaction.atomic():
                old = list(
                    CachedCover.objects.select_for_update()
                    .filter(trip_id=trip_id, group_name=group)
                    .values_list("storage_name", flat=True)
                )
                CachedCover.objects.filter(trip_id=trip_id, group_name=group).delete()
                entry.save()
                transaction.on_commit(lambda: [vault.remove(name) for name in old])
        except IntegrityError:  # a parallel build of the same scope cached it first
            vault.remove(entry.storage_name)

    def stop(self) -> None:
        if self.process is not None:
            _kill(self.process)
        self.html_path.unlink(missing_ok=True)


# --- The spare renderer -------------------------------------------------------------------
# A worker process keeps one render_html child started in advance (its Python and WeasyPrint
# loaded, ~60 MB): a cover miss then costs only the layout (~0.3 s, on the other core).

_spare: subprocess.Popen | None = None
_spare_wanted = False


def _spawn_renderer() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "packets.render_html", FONT_URL, font_path()],
        cwd=settings.BASE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a stop kills all of it
    )


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream:
            stream.close()


def _keep_spare() -> None:
    global _spare
    if _spare is None or _spare.poll() is not None:
        _spare = _spawn_renderer()


def replace_spare() -> None:
    """After a build's join: a warm worker starts the spare the next build will use."""
    if _spare_wanted:
        _keep_spare()


def _take_spare() -> subprocess.Popen | None:
    global _spare
    spare, _spare = _spare, None
    if spare is not None and spare.poll() is not None:
        _kill(spare)
        return None
    return spare


def warm_up() -> None:
    """Load what every build needs once, at worker start (no build pays these imports).

    pikepdf, Pillow, the template engine and the font load here; WeasyPrint loads in a spare
    renderer kept ready (it leaves when this process does: its stdin closes).
    """
    global _spare_wanted
    import pikepdf  # noqa: F401, PLC0415 (warm_up: loading it here is the point)
    from PIL import Image  # noqa: F401, PLC0415 (warm_up: loading it here is the point)

    # The first template of a process sets up the engine, which imports every app's template
    # tags (the packet panel's pull in views, Redis...): ~0.3 s that no build should pay.
    get_template("packets/pdf/cover.html")
    face(font_path())  # the font read and its glyph table indexed once (packets.fontsubset)

    _spare_wanted = True
    _keep_spare()


def forget_trip_covers(trip_id: int) -> list[str]:
    """Delete the trip's cached covers; their vault names (removed after commit)."""
    names = list(CachedCover.objects.filter(trip_id=trip_id).values_list("storage_name", flat=True))
    CachedCover.objects.filter(trip_id=trip_id).delete()
    transaction.on_commit(lambda: [vault.remove(name) for name in names])
    return names
