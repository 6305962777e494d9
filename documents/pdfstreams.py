"""How much a PDF's streams decode to, bounded without trusting qpdf to stop (sandbox child).

A compression bomb inflates a few hundred kilobytes into gigabytes. Flate layers are counted as
they inflate (never held whole); the filters before them are decoded by qpdf; a stream that
fails to decode is refused rather than counted at its compressed size (qpdf reports running
out of memory as a decoding error).
"""

from __future__ import annotations

import zlib

from .sandbox import Refused as PdfRefused

# Sum of decoded stream sizes we are willing to look at; a bomb inflates far past this.
MAX_DECODED_BYTES = 200 * 1024 * 1024
# Filters that rewriting and text extraction decode (qpdf's "generalized" level). Image codecs
# are not decoded there; the preview renders them in a child of its own.
GENERAL_FILTERS = frozenset(
    {
        "/FlateDecode",
        "/Fl",
        "/LZWDecode",
        "/LZW",
        "/ASCII85Decode",
        "/A85",
        "/ASCIIHexDecode",
        "/AHx",
        "/RunLengthDecode",
        "/RL",
    }
)


def filters(stream, pikepdf) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return [str(f) for f in value]
    return [str(value)]


def _inflated_size(raw: bytes, budget: int, layers: int) -> int | None:
    """Bytes a Flate stream (`layers` Flate filters deep) inflates to, stopping past `budget`.

    Inner layers are held (at most `budget` bytes each); the last is only counted. None when
    zlib cannot read it: qpdf, which is lenient with damaged streams, then decides.
    """
    data = raw
    try:
        for _ in range(layers - 1):
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, budget + 1)
            if len(data) > budget:
                return len(data)
        inflater = zlib.decompressobj()
        total, pending = 0, data
        while pending and not inflater.eof:
            total += len(inflater.decompress(pending, 1 << 20))
            if total > budget:
                return total
            if inflater.unconsumed_tail == pending:
                break
            pending = inflater.unconsumed_tail
    except zlib.error:
        return None
    return total


def _decode_prefix(pdf, stream, names: list[str], count: int, pikepdf) -> bytes:
    """The stream's data with only its first `count` filters decoded."""
    raw = stream.read_raw_bytes()
    if count == 0:
        return raw
    copy = pikepdf.Stream(pdf, raw)
    copy.Filter = pikepdf.Array([pikepdf.Name(f) for f in names[:count]])
    parms = stream.get("/DecodeParms")
    if isinstance(parms, pikepdf.Array):
        copy.DecodeParms = pikepdf.Array(list(parms)[:count])
    return copy.read_bytes()


def decoded_size(pdf, stream, budget: int, pikepdf) -> int:
    names = filters(stream, pikepdf)
    if not all(f in GENERAL_FILTERS for f in names):
        return len(stream.read_raw_bytes())
    # Trailing Flate layers (where bombs live) are counted as they inflate; qpdf decodes the
    # layers before them (hex, ASCII85, LZW...) on a copy of the stream.
    flate = len(names)
    while flate and names[flate - 1] in ("/FlateDecode", "/Fl"):
        flate -= 1
    try:
        if flate < len(names):
            size = _inflated_size(
                _decode_prefix(pdf, stream, names, flate, pikepdf), budget, len(names) - flate
            )
            if size is not None:
                return size
        return len(stream.read_bytes())
    except MemoryError:
        raise PdfRefused("pdf_too_complex", "decode_memory") from None
    except Exception as exc:
        # A decode that fails (qpdf reports running out of memory as a decoding error) tells us
        # nothing of the decoded size: refuse rather than count the compressed bytes.
        if "bad_alloc" in str(exc):
            raise PdfRefused("pdf_too_complex", "decode_memory") from None
        raise PdfRefused("pdf_broken", "decode_failed") from None


def check_decoded_size(pdf, pikepdf) -> None:
    decoded = 0
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            decoded += decoded_size(pdf, obj, MAX_DECODED_BYTES - decoded, pikepdf)
            if decoded > MAX_DECODED_BYTES:
                raise PdfRefused("pdf_too_complex", "decoded_bytes")
