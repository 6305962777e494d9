"""Photos and scans: decoded under a pixel bound, turned upright, downscaled once, re-encoded.

The stored JPEG carries no EXIF, XMP, ICC profile or comment (GPS, device maker), and is already
at print resolution so the packet can place it on A4 without touching it again (DESIGN.md §3).

Decoding happens in the sandbox child (`documents/sandbox.py`), never in the web process: a
crafted image is refused within the child's CPU and wall bounds. `normalise` is the parent's
API; `child_normalise` runs in the child and imports neither Django nor the project's models.
"""

from __future__ import annotations

import io
import logging
import warnings

from PIL import Image, ImageOps

from . import jpegmeta, sandbox

# Pillow logs every EXIF tag value (GPS, descriptions) at DEBUG while reading: never let it.
logging.getLogger("PIL").setLevel(logging.INFO)

# Pillow's own bomb guard stays on (never None); ours is tighter and checked before load().
Image.MAX_IMAGE_PIXELS = 60_000_000
# JPEGs decode at a DCT scale (draft mode), so a 48 MP phone photo costs little; PNG and HEIC
# decode at full size, so their bound is lower (memory: 4 uploads at once under 300 MB).
MAX_PIXELS_JPEG = 50_000_000
MAX_PIXELS_OTHER = 25_000_000
# A4 at about 200 dpi: the long side of the stored image, never upscaled.
LONG_SIDE = 2400
# Draft mode may pick a DCT scale whose long side is at least this (a 4000 px photo → 2000 px).
DRAFT_MIN_LONG_SIDE = 2000
JPEG_QUALITY = 85
# Every scan of a progressive JPEG is one more pass over all its blocks: a camera writes 1-3
# (baseline) or about 10 (progressive); hundreds are an attack on decoding time.
MAX_JPEG_SCANS = 40
# The costliest legitimate decode measured, a 24 MP HEIC, takes ~1.3 s of CPU here (a 50 MP
# 40-scan JPEG 1.2 s, a 25 MP PNG 0.9 s): a decoder that runs away is refused at 2 s of CPU, so
# a crafted image holds the request about 2 s. Most crafted files are refused before decoding.
LIMITS = sandbox.Limits(
    memory_bytes=768 * 1024 * 1024,
    cpu_seconds=2,
    wall_seconds=4,
    too_complex="image_too_complex",
    broken="image_broken",
)

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heic"}

_heif_registered = False


ImageRefused = sandbox.Refused


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        import pillow_heif  # noqa: PLC0415 (HEIF decodes in the sandboxed child only)

        # One decoding thread: the child's CPU bound counts every thread.
        pillow_heif.options.DECODE_THREADS = 1
        pillow_heif.register_heif_opener()
        _heif_registered = True


def sniff(data: bytes) -> str | None:
    """The image format from the first bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    # ISO BMFF: ....ftyp<brand>; HEIC/HEIF brands only (not AVIF, not MP4).
    if data[4:8] == b"ftyp" and data[8:12] in {
        b"heic",
        b"heix",
        b"heim",
        b"heis",
        b"mif1",
        b"msf1",
    }:
        return "HEIF"
    return None


def normalise(data: bytes) -> tuple[bytes, int, int]:
    """Clean JPEG bytes and their size, decoded in the sandbox child, or ImageRefused.

    Codes: type, image_broken, image_too_large (pixels), image_too_complex (scans, time, memory).
    """
    if sniff(data) is None:
        raise ImageRefused("type", "format")
    header, body = sandbox.run("image_normalise", data, LIMITS)
    return body, header["width"], header["height"]


def child_normalise(data: bytes) -> tuple[dict, bytes]:
    """In the child: the decoding itself; every failure is a refusal with a short cause."""
    fmt = sniff(data)
    if fmt is None:
        raise ImageRefused("type", "format")
    if fmt == "JPEG" and jpegmeta.scan_count(data) > MAX_JPEG_SCANS:
        raise ImageRefused("image_too_complex", "jpeg_scans")
    try:
        clean, width, height = _decode(data, fmt)
    except ImageRefused:
        raise
    except MemoryError:
        raise
    except Exception as exc:
        # Truncated, corrupt or unsupported variants (pillow_heif raises its own classes) all
        # read the same to a guardian.
        raise ImageRefused("image_broken", f"{fmt.lower()}_decode") from exc
    return {"ok": True, "width": width, "height": height}, clean


def _decode(data: bytes, fmt: str) -> tuple[bytes, int, int]:
    if fmt == "HEIF":
        _register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = im.size
            bound = MAX_PIXELS_JPEG if fmt == "JPEG" else MAX_PIXELS_OTHER
            if width * height > bound or width < 1 or height < 1:
                raise ImageRefused("image_too_large", "pixels")
            if fmt == "JPEG":
                long_side = max(width, height)
                scale = max(1, long_side // DRAFT_MIN_LONG_SIDE)
                im.draft("RGB", (width // scale, height // scale))
            im.load()
            im = ImageOps.exif_transpose(im)
            im = _to_rgb(im)
            im.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=None)
            # Nothing of the original's metadata may travel: comments are copied from im.info.
            im.info = {}
            out = io.BytesIO()
            im.save(out, "JPEG", quality=JPEG_QUALITY)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused("image_too_large", "pixels") from exc
    return out.getvalue(), im.width, im.height


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        background = Image.new("RGB", im.size, "white")
        background.paste(im, mask=im.getchannel("A"))
        return background
    return im.convert("RGB")
