"""Render HTML files to PDF with WeasyPrint, in a child process of their own.

Run as `python -m packets.render_html` by the packet builder, so the front matter renders while
the builder merges documents (DESIGN.md §3: the front matter is the bulk of a build). No Django
here: the parent renders the templates; this process only lays out the HTML it is given.

The parent starts it before the HTML exists: importing WeasyPrint (~0.4 s) overlaps with the
templates. Once imported, it reads one JSON request from stdin,
`{"resources": {url: path}, "jobs": [[html_path, pdf_path], ...]}`, forks one process per extra
job (a long index renders in two parts on two cores, sharing one import) and prints a line
`{"job": i, "pages": n}` per finished job. The parent starts it in a session of its own and
kills the whole group if the build stops.

The URL fetcher serves only the files named in `resources` (our font and nothing else, by exact
URL) and refuses file:, http(s): and every other URL, so a student named
`<img src=file:///etc/passwd>` stays text and nothing leaves the machine.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from pathlib import Path

BASE_URL = "packet:/"
# The child limits its own address space (a runaway layout cannot take the worker with it).
MEMORY_LIMIT = 1536 * 1024 * 1024


class RefusedURL(ValueError):
    pass


def make_fetcher(resources: dict[str, str]):
    """A WeasyPrint URL fetcher serving exactly `resources` ({url: path}), nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PacketFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = resources.get(url)
            if path is None:
                raise RefusedURL("resource not allowed in a packet")
            mime = "font/ttf" if path.endswith((".ttf", ".otf")) else "application/octet-stream"
            body = Path(path).read_bytes()
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return PacketFetcher(allowed_protocols=())


def render(html: str, resources: dict[str, str]) -> tuple[bytes, int]:
    """PDF bytes and page count. Fonts are subset by HarfBuzz (never `full_fonts`)."""
    import weasyprint

    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=make_fetcher(resources)
    ).render()
    return document.write_pdf(), len(document.pages)


def _render_job(number: int, html_path: str, pdf_path: str, resources: dict[str, str]) -> int:
    """Render one job; its result line goes straight to fd 1 (one short write: never torn)."""
    try:
        html = Path(html_path).read_text(encoding="utf-8")
        pdf, pages = render(html, resources)
        Path(pdf_path).write_bytes(pdf)
        # The parent checks the page count against its plan (the index printed page numbers).
        os.write(1, (json.dumps({"job": number, "pages": pages}) + "\n").encode())
        return 0
    except Exception:
        traceback.print_exc()
        sys.stderr.flush()
        return 1


def main() -> int:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    # A layout makes hundreds of thousands of short-lived objects; the cyclic collector costs
    # ~10% of the render and this process ends right after it (memory: +10 MB for 320 rows).
    gc.disable()
    import weasyprint  # noqa: F401  (before the request: the import overlaps the templates)

    request = json.load(sys.stdin)
    resources, jobs = request["resources"], request["jobs"]
    children = []
    for number, (html_path, pdf_path) in enumerate(jobs[1:], start=1):
        pid = os.fork()
        if pid == 0:  # the forked job: render, then leave without running the parent's code
            code = 1
            try:
                code = _render_job(number, html_path, pdf_path, resources)
            finally:
                os._exit(code)
        children.append(pid)
    status = _render_job(0, *jobs[0], resources)
    # Never exit before the forked jobs: the parent's wait covers the whole render.
    for pid in children:
        _pid, code = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(code) != 0:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
