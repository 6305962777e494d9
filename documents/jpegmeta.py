"""JPEG structure read without decoding: how many scans, and a copy without metadata segments.

Used inside the sandbox child only (no Django). A progressive JPEG costs one pass over every
block per scan, so the scan count is bounded before Pillow decodes anything; JPEGs embedded in
PDFs keep their camera EXIF (make, model, GPS, thumbnail) unless their segments are dropped.
"""

from __future__ import annotations

import re

# After a scan header, entropy-coded data runs to the next marker that is not a stuffed 0xFF00
# or a restart marker (RST0-7); fill bytes (0xFF runs) may precede a marker.
_NEXT_MARKER = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
SOS, EOI = 0xDA, 0xD9


def segments(data: bytes):
    """(marker, start, end) for each segment after SOI, up to and including EOI.

    A scan's segment runs to the end of its entropy-coded data. Stops quietly at the first thing
    that is not a marker: Pillow, not this walker, decides whether a file is broken.
    """
    if not data.startswith(b"\xff\xd8"):
        return
    i, n = 2, len(data)
    while i + 1 < n:
        if data[i] != 0xFF:
            return
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            return
        marker, start = data[i], i - 1
        i += 1
        if marker == EOI:
            yield marker, start, i
            return
        if marker in _STANDALONE:
            yield marker, start, i
            continue
        if i + 2 > n:
            return
        end = i + int.from_bytes(data[i : i + 2], "big")
        if end > n or end < i + 2:
            return
        if marker == SOS:
            found = _NEXT_MARKER.search(data, end)
            end = found.start() if found else n
        yield marker, start, end
        i = end


# A camera JPEG has a few dozen segments; millions of tiny ones would make this walk the slow part.
MAX_SEGMENTS = 5_000


def scan_count(data: bytes) -> int:
    """How many scans (SOS segments); past MAX_SEGMENTS segments in all, a number that no
    bound accepts."""
    scans = 0
    for count, (marker, _s, _e) in enumerate(segments(data)):
        if count > MAX_SEGMENTS:
            return 1 << 30
        scans += marker == SOS
    return scans


def _keep(marker: int, body: bytes) -> bool:
    if marker == 0xFE:  # COM: free text
        return False
    if 0xE0 <= marker <= 0xEF:  # APPn: keep only what decoding needs
        return (
            (marker == 0xE0 and body.startswith(b"JFIF\x00"))
            or (marker == 0xE2 and body.startswith(b"ICC_PROFILE\x00"))
            or (marker == 0xEE and body.startswith(b"Adobe"))  # colour transform
        )
    return True


def strip_metadata(data: bytes) -> bytes | None:
    """The JPEG without EXIF/XMP/IPTC/comments/thumbnails or data after EOI; None if unparsable."""
    parts = [b"\xff\xd8"]
    ended = False
    for marker, start, end in segments(data):
        if _keep(marker, data[start + 4 : start + 16]):
            parts.append(data[start:end])
        ended = marker == EOI
    if not ended:
        return None
    return b"".join(parts)
