"""PDF normalisation and page rendering in the sandbox child (`documents/sandbox.py`).

The parent's API is `normalise` and `render_page`; `child_normalise` and `child_render` run in
the bounded child and import neither Django nor the project's models. The parent keeps the
rewritten file; the original is dropped.

The rewrite: files that open without a password (owner-password, permission-restricted, as the
マイナポータル PDF is) are written back unencrypted; filled-in forms are flattened onto the page
before the form is removed; every action dictionary that can launch, submit, fetch or run
anything is emptied wherever it hangs (an /A, a /Next chain, an outline item, the catalog);
attachments, JavaScript and metadata (document, page and image XMP, camera EXIF inside embedded
JPEGs) go. Each step that only tidies (resource pruning, form flattening) falls back when it
fails instead of refusing an ordinary document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from . import jpegmeta, pdfstreams, sandbox

MAX_PAGES = 4
PREVIEW_LONG_SIDE = 1400
LIMITS = sandbox.Limits(
    memory_bytes=768 * 1024 * 1024,
    cpu_seconds=10,
    wall_seconds=15,
    too_complex="pdf_too_complex",
    broken="pdf_broken",
)

# Keys that carry active content, attachments or metadata; removed from every dictionary.
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
METADATA_KEYS = ("/Metadata", "/PieceInfo")
_DROPPED_KEYS = frozenset(FORBIDDEN_KEYS + METADATA_KEYS)
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
# Keys whose value is an action (or, for /Next, an action or an array of them).
_ACTION_KEYS = frozenset({"/A", "/PA", "/Next"})
# Form values: the flattened page shows them; a field left behind keeps none.
_FIELD_VALUE_KEYS = frozenset({"/V", "/DV", "/RV"})
DROPPED_ANNOTATIONS = {"/FileAttachment", "/Widget", "/Screen", "/Movie", "/Sound", "/RichMedia"}
PdfRefused = sandbox.Refused


@dataclass(frozen=True)
class CleanPdf:
    data: bytes
    pages: int
    text: str  # for the in-memory screens only; never stored
    fallbacks: tuple[str, ...] = ()  # optional steps that failed and were skipped (codes)


# --- Parent side ----------------------------------------------------------------------------


def _limit_child() -> None:
    sandbox.apply_limits(LIMITS.memory_bytes, LIMITS.cpu_seconds)


def normalise(data: bytes) -> CleanPdf:
    """A rewritten PDF without active content, with its page count and text (for screening)."""
    header, body = sandbox.run("pdf_normalise", data, LIMITS)
    size = header["size"]
    return CleanPdf(
        data=body[:size],
        pages=header["pages"],
        text=body[size:].decode("utf-8"),
        fallbacks=tuple(header.get("fallbacks", ())),
    )


def render_page(data: bytes, page: int) -> bytes:
    """One page of a (stored, normalised) PDF as PNG, for the reviewer's preview."""
    _, body = sandbox.run("pdf_render", data, LIMITS, page=page)
    return body


# --- Child side -----------------------------------------------------------------------------


def _flatten_forms(pdf) -> None:
    """Filled-in values drawn onto the page (appearances made first if the form asks for it)."""
    if "/AcroForm" not in pdf.Root:
        return
    pdf.generate_appearance_streams()
    pdf.flatten_annotations("all")


def _is_dangerous_action(value, pikepdf, emptied: set) -> bool:
    if not isinstance(value, pikepdf.Dictionary):
        return False
    if value.is_indirect and value.objgen in emptied:
        return True
    return str(value.get("/S")) in DANGEROUS_ACTIONS


def _is_field(current, keys: set) -> bool:
    if "/FT" in keys or str(current.get("/Subtype")) == "/Widget":
        return True
    return "/T" in keys and ("/Kids" in keys or "/Parent" in keys) and "/Subtype" not in keys


def _strip_image_metadata(stream, pikepdf) -> None:
    if pdfstreams.filters(stream, pikepdf) not in (["/DCTDecode"], ["/DCT"]):
        return
    raw = stream.read_raw_bytes()
    clean = jpegmeta.strip_metadata(raw)
    if clean is not None and clean != raw:
        stream.write(clean, filter=pikepdf.Name.DCTDecode, decode_parms=stream.get("/DecodeParms"))


def _container(value, pikepdf) -> bool:
    return isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))


def _scrub(obj, emptied: set, pikepdf) -> None:
    """Sanitise one indirect object and the direct objects inside it.

    Every indirect object is visited once from `pdf.objects`, so only direct children are
    followed here: direct objects form a tree, and no reference cycle can loop the walk.
    """
    stack = [obj]
    while stack:
        current = stack.pop()
        if isinstance(current, pikepdf.Array):
            stack.extend(v for v in current if _container(v, pikepdf) and not v.is_indirect)
            continue
        if not isinstance(current, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        keys = set(current.keys())
        for name in keys & _DROPPED_KEYS:
            del current[name]
        if "/S" in keys and str(current.get("/S")) in DANGEROUS_ACTIONS:
            # An action that runs, launches, submits or fetches: emptied wherever it hangs
            # (its referrers drop it too), its /Next chain included.
            for name in keys:
                if name in current:
                    del current[name]
            if current.is_indirect:
                emptied.add(current.objgen)
            continue
        for name in keys & _ACTION_KEYS:
            value = current[name]
            if isinstance(value, pikepdf.Array):
                kept = [a for a in value if not _is_dangerous_action(a, pikepdf, emptied)]
                if len(kept) != len(value):
                    current[name] = pikepdf.Array(kept)
            elif _is_dangerous_action(value, pikepdf, emptied):
                del current[name]
        if "/Annots" in keys and isinstance(current.get("/Annots"), pikepdf.Array):
            kept = [
                a
                for a in current.Annots
                if isinstance(a, pikepdf.Dictionary)
                and str(a.get("/Subtype")) not in DROPPED_ANNOTATIONS
            ]
            current.Annots = pikepdf.Array(kept)
        if keys & _FIELD_VALUE_KEYS and _is_field(current, keys):
            for name in keys & _FIELD_VALUE_KEYS:
                del current[name]
        if isinstance(current, pikepdf.Stream) and str(current.get("/Subtype")) == "/Image":
            _strip_image_metadata(current, pikepdf)
        stack.extend(v for _k, v in current.items() if _container(v, pikepdf) and not v.is_indirect)


def find_forbidden(pdf, pikepdf) -> list[str]:
    """Every forbidden key or dangerous action still reachable anywhere (the check after)."""
    found = []
    for obj in pdf.objects:
        stack = [obj]
        while stack:
            current = stack.pop()
            if isinstance(current, pikepdf.Array):
                stack.extend(v for v in current if _container(v, pikepdf) and not v.is_indirect)
            elif isinstance(current, (pikepdf.Dictionary, pikepdf.Stream)):
                keys = set(current.keys())
                found.extend(sorted(keys & _DROPPED_KEYS))
                if "/S" in keys and str(current.get("/S")) in DANGEROUS_ACTIONS:
                    found.append(str(current.get("/S")))
                stack.extend(
                    v for _k, v in current.items() if _container(v, pikepdf) and not v.is_indirect
                )
    return found


def _open(data: bytes, pikepdf):
    try:
        # An owner password (permissions only) opens with the empty user password; such files
        # are rewritten unencrypted. Only a file that needs a password to open is refused.
        return pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise PdfRefused("pdf_encrypted", "password") from None
    except MemoryError:
        raise
    except Exception:
        raise PdfRefused("pdf_broken", "open_failed") from None


def _stage(code: str, cause: str):
    """Run a required step; any failure of it is one refusal with a cause naming the step."""

    def wrap(fn, *args):
        try:
            return fn(*args)
        except (PdfRefused, MemoryError):
            raise
        except Exception:
            raise PdfRefused(code, cause) from None

    return wrap


def child_normalise(data: bytes) -> tuple[dict, bytes]:
    import pikepdf  # noqa: PLC0415 (parsers load in the sandboxed child only)
    import pypdfium2  # noqa: PLC0415 (parsers load in the sandboxed child only)

    pdf = _open(data, pikepdf)
    pages = _stage("pdf_broken", "page_tree")(lambda: len(pdf.pages))
    if pages == 0:
        raise PdfRefused("pdf_broken", "no_pages")
    if pages > MAX_PAGES:
        raise PdfRefused("pdf_too_many_pages", "pages")
    pdfstreams.check_decoded_size(pdf, pikepdf)
    fallbacks = []
    try:
        _flatten_forms(pdf)
    except MemoryError:
        raise
    except Exception:
        fallbacks.append("flatten")  # the widgets are dropped below, unflattened
    emptied: set = set()
    scrub = _stage("pdf_broken", "scrub_failed")
    for obj in pdf.objects:
        scrub(_scrub, obj, emptied, pikepdf)
    # Author, producer and XMP can name the family; the hospital needs none of it.
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    try:
        pdf.remove_unreferenced_resources()
    except MemoryError:
        raise
    except Exception:
        fallbacks.append("prune")  # unused fonts and images stay; nothing active does
    out = io.BytesIO()
    _stage("pdf_broken", "save_failed")(
        lambda: pdf.save(out, fix_metadata_version=False, encryption=False)
    )
    clean = out.getvalue()
    check = _stage("pdf_broken", "reopen_failed")(lambda: pikepdf.open(io.BytesIO(clean)))
    if find_forbidden(check, pikepdf):
        raise PdfRefused("pdf_active_content", "forbidden_left")

    def extract() -> bytes:
        doc = pypdfium2.PdfDocument(clean)
        return "\n".join(page.get_textpage().get_text_range() for page in doc).encode("utf-8")

    joined = _stage("pdf_broken", "text_failed")(extract)
    header = {"ok": True, "pages": pages, "size": len(clean), "fallbacks": fallbacks}
    return header, clean + joined


def child_render(data: bytes, page: int) -> tuple[dict, bytes]:
    import pypdfium2  # noqa: PLC0415 (parsers load in the sandboxed child only)

    doc = pypdfium2.PdfDocument(data)
    if not 0 <= page < len(doc):
        raise PdfRefused("pdf_no_page", "page")
    pdf_page = doc[page]
    width, height = pdf_page.get_size()
    scale = PREVIEW_LONG_SIDE / max(width, height, 1)
    image = pdf_page.render(scale=scale).to_pil()
    out = io.BytesIO()
    image.save(out, "PNG")
    return {"ok": True}, out.getvalue()
