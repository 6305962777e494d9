"""Render one HTML file to PDF with WeasyPrint, in its own process.

Run as `python -m packets.render_html HTML_PATH OUTPUT_PATH RESOURCES_JSON` by the packet
builder, so the front matter renders on one core while the builder merges documents on the
other (DESIGN.md §3: the front matter is the bulk of a build). No Django here: the parent renders
the templates; this process only lays out the HTML it is given.

The URL fetcher serves only the files named in RESOURCES_JSON (our font and nothing else, by
exact URL) and refuses file:, http(s): and every other URL, so a student named
`<img src=file:///etc/passwd>` stays text and nothing leaves the machine.
"""

from __future__ import annotations

import json
import sys
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


def main(argv: list[str]) -> int:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    html_path, output_path, resources_json = argv
    html = Path(html_path).read_text(encoding="utf-8")
    pdf, pages = render(html, json.loads(resources_json))
    Path(output_path).write_bytes(pdf)
    # The parent checks the page count against its plan (the index printed page numbers).
    sys.stdout.write(json.dumps({"pages": pages}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
