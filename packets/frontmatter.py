"""The packet's front matter: the cover and the roster index, in one WeasyPrint render.

The cover for hospital and pharmacy staff (one page), then the roster index
(ROWS_PER_INDEX_PAGE rows a page, fixed table layout and fixed row height, so the page count is
known before rendering and the index can print page numbers). It renders in a child process
(a long index as two jobs on two cores) while the builder places the documents. The stamps
(packets.stamps) are overlaid by qpdf: pages are stamped, never re-rendered.

The packet is a Japanese document for Japanese hospitals whatever the teacher's UI language, so
its template is rendered in Japanese (translation.override) and its text is not in the .po file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from schools.people import display_name

from .errors import BuildError

ROWS_PER_INDEX_PAGE = 30
SPLIT_FROM_INDEX_PAGES = 4
FONT_URL = "packet:/fonts/ipaexg.ttf"
DEFAULT_FONT = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"


def font_path() -> str:
    return getattr(settings, "PACKET_FONT_PATH", "") or DEFAULT_FONT


def organiser_name(trip) -> str:
    return display_name(trip.organiser)


def index_pages(plan) -> list[list]:
    rows = plan.rows
    return [
        rows[i : i + ROWS_PER_INDEX_PAGE] for i in range(0, len(rows), ROWS_PER_INDEX_PAGE)
    ] or [[]]


def _context(plan, pages: list[list], *, with_cover: bool, first_page: int) -> dict:
    trip = plan.trip
    rows = plan.rows
    return {
        "with_cover": with_cover,
        "first_page": first_page,
        "trip": trip,
        "school": trip.school,
        "group_name": plan.group_name,
        "organiser": organiser_name(trip),
        "accompanying": [display_name(u) for u in trip.accompanying.all()],
        "index_pages": pages,
        "stamped_rows": plan.stamped_rows,
        "participant_count": len(rows),
        "document_count": sum(1 for row in rows if row.items),
        "card_count": sum(1 for row in rows if row.status == "card"),
        "missing_count": sum(1 for row in rows if row.status == "missing"),
        "font_url": FONT_URL,
        "valid_until": trip.end_date,
        # The same date the guardians consented to and the trip page shows.
        "purge_due_at": trip.purge_due_at,
    }


def html(plan, pages: list[list] | None = None, *, with_cover=True, first_page=1) -> str:
    """HTML for the cover and index (or part of the index, numbered from `first_page`).

    Autoescaped: names are text, never markup.
    """
    pages = index_pages(plan) if pages is None else pages
    context = _context(plan, pages, with_cover=with_cover, first_page=first_page)
    with translation.override("ja"):
        return render_to_string("packets/pdf/frontmatter.html", context)


class _Render:
    """The HTML → PDF renders of one build, in one child process (see packets.render_html).

    Started before the HTML exists so that WeasyPrint's import overlaps with the templates; the
    jobs follow through stdin. A second job is forked inside the child (two cores, one import).
    """

    def __init__(self):
        self.jobs: list[tuple[Path, Path, int]] = []  # (html, pdf, expected pages)
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "packets.render_html"],
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # Its own process group: stop() kills the forked job too.
            start_new_session=True,
        )

    def send(self, jobs: list[tuple[str, Path, int]]) -> None:
        """Write each job's HTML next to its PDF and hand the list to the child."""
        for source, output, expected_pages in jobs:
            html_path = output.with_suffix(".html")
            html_path.write_text(source, encoding="utf-8")
            self.jobs.append((html_path, output, expected_pages))
        request = {
            "resources": {FONT_URL: font_path()},
            "jobs": [[str(html_path), str(output)] for html_path, output, _ in self.jobs],
        }
        stdin, self.process.stdin = self.process.stdin, None  # communicate() must not flush it
        try:
            with stdin:
                stdin.write(json.dumps(request).encode())
        except OSError:
            pass  # the child is gone; wait() reports front_matter_failed

    def wait(self, timeout: float) -> float:
        """Wait for every job; the wall time since the child started."""
        try:
            out, _err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise BuildError("front_matter_timeout") from exc
        finally:
            for html_path, _output, _pages in self.jobs:
                html_path.unlink(missing_ok=True)  # it holds the names in clear
        seconds = time.monotonic() - self.started
        if self.process.returncode != 0 or not all(out.exists() for _h, out, _p in self.jobs):
            raise BuildError("front_matter_failed")
        pages = {}
        for line in out.decode(errors="replace").splitlines():
            try:
                result = json.loads(line)
                pages[result["job"]] = result["pages"]
            except (ValueError, KeyError, TypeError):
                pass
        # The index printed page numbers assuming these counts: check that they held.
        for number, (_html, _output, expected) in enumerate(self.jobs):
            if pages.get(number) != expected:
                raise BuildError("front_matter_layout")
        return seconds

    def stop(self) -> None:
        if self.process.poll() is None:
            # The group is alive while its leader is (it waits for its forked job).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # A killed child never reached communicate(): close our ends of its pipes.
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()


class FrontMatter:
    """Cover + index rendered by WeasyPrint in a child process; stamps written meanwhile here.

    The stamps are one line of text per student; WeasyPrint costs ~2.5 ms for every page even
    when empty, so they are written directly (packets.stamps) while the child renders.
    """

    def __init__(self, plan, tmp: Path):
        from .stamps import stamp_text, write_stamps

        self.stamps_path = tmp / "stamps.pdf" if plan.stamped_rows else None
        self.render = _Render()
        try:
            pages = index_pages(plan)
            # A long index renders as two jobs side by side (the bulk of a build's time).
            split = len(pages) // 2 if len(pages) >= SPLIT_FROM_INDEX_PAGES else len(pages)
            self.front_paths = [tmp / "front-0.pdf"]
            jobs = [(html(plan, pages[:split]), self.front_paths[0], 1 + split)]
            if split < len(pages):
                self.front_paths.append(tmp / "front-1.pdf")
                part = html(plan, pages[split:], with_cover=False, first_page=2 + split)
                jobs.append((part, self.front_paths[1], len(pages) - split))
            self.render.send(jobs)
            if self.stamps_path:
                until = plan.trip.end_date.isoformat()
                lines = [stamp_text(row.name, plan.trip.title, until) for row in plan.stamped_rows]
                write_stamps(lines, font_path(), self.stamps_path)
        except BaseException:
            self.stop()  # no render may outlive its build
            raise

    def wait(self, timeout: float) -> float:
        """Wait for the renders; the wall time of the whole render."""
        return self.render.wait(timeout)

    def stop(self) -> None:
        self.render.stop()


def start_render(plan, tmp: Path) -> FrontMatter:
    return FrontMatter(plan, tmp)
