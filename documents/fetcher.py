"""The one WeasyPrint URL fetcher: serves exactly the files it is given, by exact URL.

Every PDF we render (letters, packets' cover, deletion certificates) lays out HTML that may hold
text typed by users. The fetcher refuses file:, http(s):, data: and every URL not in its list,
so a student named `<img src=file:///etc/passwd>` stays text and nothing leaves the machine.
No Django here: the packet's render child imports it without settings.
"""

from __future__ import annotations

from pathlib import Path

MIME_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".css": "text/css"}


class RefusedURL(ValueError):
    pass


def make_fetcher(resources: dict[str, str] | None = None):
    """A WeasyPrint URL fetcher serving `resources` ({url: local path}) and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: PLC0415 (WeasyPrint costs ~1 s to import: only what renders pays it)

    allowed = dict(resources or {})

    class OnlyTheseFiles(URLFetcher):
        def fetch(self, url, headers=None):
            path = allowed.get(url)
            if path is None:
                raise RefusedURL("resource not allowed in this document")
            mime = MIME_TYPES.get(Path(path).suffix, "application/octet-stream")
            return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": mime})

    return OnlyTheseFiles(allowed_protocols=())
