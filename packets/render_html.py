"""Render the packet's cover (HTML → PDF with WeasyPrint) in a child process of its own.

Run as `python -m packets.render_html` by the packet builder when the trip's cover is not in
the cache, so it renders on the second core while the builder places the documents. No Django
here: the parent renders the template; this process only lays out the HTML it is given.

The worker keeps one started in advance (a spare, see packets.frontmatter.warm_up), so a
build does not wait for Python and WeasyPrint to load (~0.6 s) nor for the font's first use
(~0.1 s: the spare lays out a page in it while it waits); without one, the parent starts
it before the HTML exists. It then reads one JSON request from stdin,
`{"resources": {url: path}, "html": path, "pdf": path}`, and prints `{"pages": n}`. The parent
starts it in a session of its own and kills the whole group if the build stops.

The URL fetcher is the shared one (documents.fetcher): our font by exact URL, nothing else.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

from documents.fetcher import RefusedURL, make_fetcher

BASE_URL = "packet:/"
# The child limits its own address space (a runaway layout cannot take the worker with it).
MEMORY_LIMIT = 1536 * 1024 * 1024
# What the cover uses: the font by @font-face, bold, a list, a table, a page margin box.
WARM_HTML = (
    "<style>@font-face {{ font-family: w; src: url('{url}'); }}"
    "@page {{ @bottom-right {{ content: counter(page); font-family: w; }} }}"
    "html {{ font-family: w; }}</style>"
    "<p>医療機関・薬局の皆様へ <strong>引率教員</strong> 2025</p><ul><li>資格確認書</li></ul>"
    "<table><tr><th>行事名</th><td>修学旅行</td></tr></table>"
)

__all__ = ["BASE_URL", "RefusedURL", "make_fetcher", "render"]


def render(html: str, resources: dict[str, str]) -> tuple[bytes, int]:
    """PDF bytes and page count. Fonts are subset by HarfBuzz (never `full_fonts`)."""
    import weasyprint  # noqa: PLC0415 (WeasyPrint costs ~1 s to import: only the renderer child pays it)

    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=make_fetcher(resources)
    ).render()
    return document.write_pdf(), len(document.pages)


def main() -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    # A layout makes many short-lived objects; the cyclic collector costs ~10% of the render
    # and this process ends right after it.
    gc.disable()
    # Before the request: a spare renderer (packets.frontmatter.warm_up) waits here ready, so
    # a build pays neither the import nor the first layout's one-off set-up. With the cover's
    # font (argv: its URL and path), so that its first use (~0.1 s) is paid here too.
    if len(sys.argv) == 3:
        render(WARM_HTML.format(url=sys.argv[1]), {sys.argv[1]: sys.argv[2]})
    else:
        render("<p style='font-family: sans-serif'>warm</p>", {})

    request = json.load(sys.stdin)
    started = time.perf_counter()
    html = Path(request["html"]).read_text(encoding="utf-8")
    pdf, pages = render(html, request["resources"])
    Path(request["pdf"]).write_bytes(pdf)
    # The parent checks the page count (the index numbers its pages from the cover's count).
    print(json.dumps({"pages": pages, "seconds": time.perf_counter() - started}), flush=True)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # No interpreter shutdown (freeing WeasyPrint's modules and caches took ~0.15 s): the
    # parent waits for this process to end, and it has nothing left to clean up.
    os._exit(code)
