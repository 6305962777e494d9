"""PDF normalisation and page rendering in a separate, bounded process.

Parsing an untrusted PDF is the riskiest thing the site does (compression bombs, deep object
graphs, parser bugs), so it runs in a child process with an address-space limit, a CPU limit, no
right to create files (RLIMIT_FSIZE=0: no plaintext can reach the disk) and a wall timeout.
The bytes travel through pipes only. The parent keeps the rewritten file; the original is dropped.

This file is both the parent's API (`normalise`, `render_page`) and the child's program
(`python -I pdfsafe.py`); the child side imports neither Django nor the project.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MAX_PAGES = 4
MEMORY_LIMIT = 768 * 1024 * 1024  # address space of the child, bytes
CPU_SECONDS = 10
WALL_SECONDS = 15
# Sum of decoded stream sizes we are willing to look at; a bomb inflates far past this.
MAX_DECODED_BYTES = 200 * 1024 * 1024
PREVIEW_LONG_SIDE = 1400

# Keys that carry active content or attachments; any of them left after the rewrite is a bug.
FORBIDDEN_KEYS = (
    "/JS",
    "/JavaScript",
    "/AA",
    "/OpenAction",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/EF",
    "/Launch",
    "/XFA",
    "/SubmitForm",
    "/AcroForm",
    "/RichMedia",
)
DANGEROUS_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/ResetForm",
    "/GoToR",
    "/GoToE",
    "/Rendition",
    "/RichMediaExecute",
    "/Movie",
    "/Sound",
    "/Hide",
    "/URI",
}
DROPPED_ANNOTATIONS = {"/FileAttachment", "/Widget", "/Screen", "/Movie", "/Sound", "/RichMedia"}


class PdfRefused(Exception):
    """code: pdf_encrypted, pdf_broken, pdf_too_many_pages, pdf_too_complex, pdf_active_content."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CleanPdf:
    data: bytes
    pages: int
    text: str  # for the in-memory screens only; never stored


# --- Parent side ----------------------------------------------------------------------------


def _limit_child() -> None:
    # Called by the child itself before it reads a byte of input (preexec_fn is not safe in a
    # threaded web worker).
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _run(request: dict, data: bytes) -> tuple[dict, bytes]:
    payload = json.dumps(request).encode() + b"\n" + data
    try:
        proc = subprocess.run(
            [sys.executable, "-I", str(Path(__file__).resolve())],
            input=payload,
            capture_output=True,
            timeout=WALL_SECONDS,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1"},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PdfRefused("pdf_too_complex") from exc
    head, _, body = proc.stdout.partition(b"\n")
    try:
        header = json.loads(head or b"{}")
    except ValueError:
        header = {}
    if proc.returncode != 0 or not header.get("ok"):
        # Killed by a limit (signal, MemoryError) reads as "too complex"; parser errors as broken.
        raise PdfRefused(header.get("code") or "pdf_too_complex")
    return header, body


def normalise(data: bytes) -> CleanPdf:
    """A rewritten PDF without active content, with its page count and text (for screening)."""
    header, body = _run({"op": "normalise"}, data)
    size = header["size"]
    return CleanPdf(data=body[:size], pages=header["pages"], text=body[size:].decode("utf-8"))


def render_page(data: bytes, page: int) -> bytes:
    """One page of a (stored, normalised) PDF as PNG, for the reviewer's preview."""
    _, body = _run({"op": "render", "page": page}, data)
    return body


# --- Child side -----------------------------------------------------------------------------


def _scrub(obj, seen: set, pikepdf) -> None:
    """Remove active content from every reachable dictionary, direct or indirect."""
    stack = [obj]
    while stack:
        current = stack.pop()
        if isinstance(current, pikepdf.Array):
            stack.extend(current)
            continue
        if not isinstance(current, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        if current.is_indirect:
            key = current.objgen
            if key in seen:
                continue
            seen.add(key)
        for name in FORBIDDEN_KEYS:
            if name in current:
                del current[name]
        if _is_dangerous_action(current):
            # Wherever it hangs (an /A, a /Next chain, an outline item, an array): emptied, so
            # no viewer finds anything to run; the object graph around it stays valid.
            for key in list(current.keys()):
                del current[key]
            continue
        if "/Annots" in current and isinstance(current.Annots, pikepdf.Array):
            kept = [
                a
                for a in current.Annots
                if isinstance(a, pikepdf.Dictionary)
                and str(a.get("/Subtype")) not in DROPPED_ANNOTATIONS
            ]
            current.Annots = pikepdf.Array(kept)
        for _key, value in current.items():
            stack.append(value)


def _is_dangerous_action(obj) -> bool:
    # An action is a dictionary with /S naming its type; /Next chains more of them.
    return str(obj.get("/S")) in DANGEROUS_ACTIONS


def _direct(value) -> bool:
    # Scalars come back as Python ints/strs; indirect objects are walked from pdf.objects.
    return not getattr(value, "is_indirect", True)


def find_forbidden(pdf, pikepdf) -> list[str]:
    """Every forbidden key still reachable anywhere (the check after the rewrite)."""
    found = []
    for obj in pdf.objects:
        stack = [obj]
        while stack:
            current = stack.pop()
            if isinstance(current, pikepdf.Array):
                stack.extend(v for v in current if _direct(v))
            elif isinstance(current, (pikepdf.Dictionary, pikepdf.Stream)):
                found.extend(name for name in FORBIDDEN_KEYS if name in current)
                if _is_dangerous_action(current):
                    found.append(str(current.get("/S")))
                stack.extend(v for _k, v in current.items() if _direct(v))
    return found


def _child_normalise(data: bytes) -> tuple[dict, bytes]:
    import pikepdf
    import pypdfium2

    try:
        # A file with only an owner password (permissions: マイナポータル's PDF is one) opens
        # without a password and is saved unencrypted below; one that needs a password to open
        # is refused.
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return {"ok": False, "code": "pdf_encrypted"}, b""
    pages = len(pdf.pages)
    if pages == 0:
        return {"ok": False, "code": "pdf_broken"}, b""
    if pages > MAX_PAGES:
        return {"ok": False, "code": "pdf_too_many_pages"}, b""
    decoded = 0
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            try:
                decoded += len(obj.read_bytes())
            except pikepdf.PdfError:
                # A stream we cannot decode within our limits (a bomb that ran out of memory,
                # or a corrupt one) is never waved through by counting its compressed size.
                return {"ok": False, "code": "pdf_too_complex"}, b""
            if decoded > MAX_DECODED_BYTES:
                return {"ok": False, "code": "pdf_too_complex"}, b""
    seen: set = set()
    _scrub(pdf.Root, seen, pikepdf)
    if "/Names" in pdf.Root:
        for name in ("/JavaScript", "/EmbeddedFiles"):
            if name in pdf.Root.Names:
                del pdf.Root.Names[name]
    for obj in pdf.objects:
        _scrub(obj, seen, pikepdf)
    # Author, producer and XMP can name the family; the hospital needs none of it.
    if "/Metadata" in pdf.Root:
        del pdf.Root["/Metadata"]
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    out = io.BytesIO()
    pdf.remove_unreferenced_resources()
    pdf.save(out, fix_metadata_version=False, encryption=False)
    clean = out.getvalue()
    check = pikepdf.open(io.BytesIO(clean))
    if find_forbidden(check, pikepdf):
        return {"ok": False, "code": "pdf_active_content"}, b""
    doc = pypdfium2.PdfDocument(clean)
    text = []
    for page in doc:
        text.append(page.get_textpage().get_text_range())
    joined = "\n".join(text).encode("utf-8")
    return {"ok": True, "pages": pages, "size": len(clean)}, clean + joined


def _child_render(data: bytes, page_index: int) -> tuple[dict, bytes]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    if not 0 <= page_index < len(doc):
        return {"ok": False, "code": "pdf_no_page"}, b""
    page = doc[page_index]
    width, height = page.get_size()
    scale = PREVIEW_LONG_SIDE / max(width, height, 1)
    image = page.render(scale=scale).to_pil()
    out = io.BytesIO()
    image.save(out, "PNG")
    return {"ok": True}, out.getvalue()


def _child_main() -> int:
    _limit_child()
    raw = sys.stdin.buffer.read()
    head, _, data = raw.partition(b"\n")
    request = json.loads(head)
    try:
        if request["op"] == "normalise":
            header, body = _child_normalise(data)
        else:
            header, body = _child_render(data, int(request["page"]))
    except MemoryError:
        header, body = {"ok": False, "code": "pdf_too_complex"}, b""
    except Exception:  # any parser error (PdfError, ValueError, ...) is one answer
        header, body = {"ok": False, "code": "pdf_broken"}, b""
    sys.stdout.buffer.write(json.dumps(header).encode() + b"\n" + body)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
