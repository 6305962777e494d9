"""Files the tests make themselves: good ones, hostile ones, broken ones."""

from __future__ import annotations

import io
import zlib

import pikepdf
from PIL import Image

MARKER = "CANARY7Q3Z"


def blank_pdf(pages: int = 1) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def text_pdf(text: str) -> bytes:
    """One page with ASCII text in Helvetica (enough for the digit screens)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    page.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 700 Td ({escaped}) Tj ET".encode("latin-1"))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def japanese_pdf(lines: list[str]) -> bytes:
    """A PDF with real Japanese text (WeasyPrint, IPAex Gothic), like a マイナポータル PDF."""
    import weasyprint

    body = "".join(f"<p>{line}</p>" for line in lines)
    html = f'<html><body style="font-family: IPAexGothic">{body}</body></html>'
    return weasyprint.HTML(string=html).write_pdf()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(blank_pdf()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    return out.getvalue()


def truncated_pdf() -> bytes:
    return text_pdf("hello " * 50)[:120]


def html_as_pdf() -> bytes:
    return b"<!doctype html><html><body><script>alert(1)</script>%PDF</body></html>"


def bomb_png() -> bytes:
    """10000 x 10000 pixels in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def compression_bomb_pdf(decoded_mb: int = 400) -> bytes:
    """One page whose content stream inflates to hundreds of MB (about 0.4 MB on the wire)."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(decoded_mb)]
    parts.append(compressor.flush())
    data = b"".join(parts)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, data)
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].Contents = pdf.make_indirect(stream)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def active_pdf() -> bytes:
    """JavaScript (open action, name tree, link annotation, object streams) + attachment."""
    pdf = pikepdf.open(io.BytesIO(text_pdf("active content")))
    js = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
    )
    pdf.Root.OpenAction = js
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js]))
    )
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pikepdf.String("<xfa/>"))
    annot = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([0, 0, 10, 10]),
        A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")),
        AA=pikepdf.Dictionary(E=js),
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annot)]))
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ evil payload")
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def jpeg_with_gps(size=(3000, 4000), orientation: int = 6) -> bytes:
    im = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° CW when shown
    exif[0x010F] = "MakerCorp"
    exif[0x010E] = MARKER
    gps = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90, exif=exif, comment=MARKER.encode())
    return out.getvalue()


def png_image(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 100, 200, 128)).save(out, "PNG")
    return out.getvalue()


def heic_image(size=(640, 480)) -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, "HEIF")
    return out.getvalue()


def malformed_heic() -> bytes:
    """A valid HEIC header (ftyp heic) followed by garbage boxes."""
    good = heic_image((64, 64))
    return good[:40] + b"\x00\x00\x00\x10mdat" + b"\xde\xad\xbe\xef" * 64


def _save(pdf, **kwargs) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **kwargs)
    return out.getvalue()


def owner_password_pdf(text: str = "Shikaku joho", *, aes256: bool = True) -> bytes:
    """Opens without a password, but printing only (as マイナポータル PDFs are restricted)."""
    pdf = pikepdf.open(io.BytesIO(text_pdf(text)))
    allow = pikepdf.Permissions(
        extract=False,
        modify_annotation=False,
        modify_assembly=False,
        modify_form=False,
        modify_other=False,
    )
    encryption = pikepdf.Encryption(
        owner="owner-secret", user="", R=6 if aes256 else 4, allow=allow
    )
    return _save(pdf, encryption=encryption)


def array_cycle_pdf() -> bytes:
    """Two indirect arrays that contain each other, hung off the page (an ordinary-looking file)."""
    pdf = pikepdf.open(io.BytesIO(text_pdf("cycle")))
    first = pdf.make_indirect(pikepdf.Array([1, 2]))
    second = pdf.make_indirect(pikepdf.Array([first]))
    first.append(second)
    first.append(pikepdf.Array([second, pikepdf.Dictionary(Loop=first)]))
    pdf.pages[0].obj["/PieceOfCycle"] = second
    return _save(pdf)


def progressive_jpeg(size=(400, 300), *, repeat_scans: int = 0) -> bytes:
    """A progressive JPEG; `repeat_scans` more copies of its smallest scan (decoders accept them:
    each copy is one more pass over the image's blocks for a few bytes of input)."""
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, "JPEG", progressive=True, quality=80)
    data = out.getvalue()
    if not repeat_scans:
        return data
    from documents import jpegmeta

    scans = [(s, e) for m, s, e in jpegmeta.segments(data) if m == jpegmeta.SOS]
    start, end = min(scans, key=lambda scan: scan[1] - scan[0])
    return data[:end] + data[start:end] * repeat_scans + data[end:]


def exif_jpeg_pdf() -> bytes:
    """A page showing a camera JPEG (EXIF with GPS, a marker) embedded as DCTDecode, with XMP."""
    photo = jpeg_with_gps(size=(300, 400))
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    image = pikepdf.Stream(pdf, photo)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 300, 400, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.DCTDecode
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>{MARKER}</rdf:RDF></x:xmpmeta>'
    image.Metadata = pdf.make_stream(xmp.encode())
    page = pdf.pages[0]
    page.obj.Metadata = pdf.make_stream(xmp.encode())
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=pdf.make_indirect(image)))
    page.Contents = pdf.make_stream(b"q 300 0 0 400 72 300 cm /Im0 Do Q")
    return _save(pdf)


def filled_form_pdf(value: str = "FILLED 1234") -> bytes:
    """A text field holding `value` with no appearance yet (NeedAppearances, as many tools do)."""
    pdf = pikepdf.open(io.BytesIO(text_pdf("form")))
    page = pdf.pages[0]
    helvetica = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("name"),
            V=pikepdf.String(value),
            Rect=pikepdf.Array([72, 600, 500, 630]),
            DA=pikepdf.String("/Helv 12 Tf 0 g"),
            F=4,
            P=page.obj,
        )
    )
    page.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array([field]),
        NeedAppearances=True,
        DR=pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=pdf.make_indirect(helvetica))),
        DA=pikepdf.String("/Helv 12 Tf 0 g"),
    )
    return _save(pdf)


LAUNCH_PAYLOAD = b"calc-chained.exe"
URI_PAYLOAD = b"https://evil.example/chained"


def _chain(pdf, page):
    """GoTo -> [URI, GoTo -> Launch]: every dangerous link sits behind a harmless one."""
    launch = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String(LAUNCH_PAYLOAD.decode()))
    )
    inner = pikepdf.Dictionary(
        S=pikepdf.Name.GoTo, D=pikepdf.Array([page.obj, pikepdf.Name.Fit]), Next=launch
    )
    uri = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(URI_PAYLOAD.decode()))
    return pikepdf.Dictionary(
        S=pikepdf.Name.GoTo,
        D=pikepdf.Array([page.obj, pikepdf.Name.Fit]),
        Next=pikepdf.Array([uri, inner]),
    )


def chained_actions_pdf(where: str) -> bytes:
    """Chained actions hung in a link annotation, an outline item, the page or the catalog."""
    pdf = pikepdf.open(io.BytesIO(text_pdf("chained")))
    page = pdf.pages[0]
    action = _chain(pdf, page)
    if where == "link":
        annot = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([0, 0, 100, 100]),
            A=action,
        )
        page.Annots = pikepdf.Array([pdf.make_indirect(annot)])
    elif where == "outline":
        item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Go"), A=action))
        outlines = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=item, Last=item, Count=1)
        )
        item.Parent = outlines
        pdf.Root.Outlines = outlines
    elif where == "page":
        page.obj.AA = pikepdf.Dictionary(O=action)
    else:
        pdf.Root.OpenAction = pdf.make_indirect(action)
    return _save(pdf)


def nested_flate_bomb_pdf(decoded_mb: int = 1000, *, hex_outer: bool = False) -> bytes:
    """A content stream behind two filters that inflates past the child's memory.

    Two Flate layers are counted as they inflate; with `hex_outer` (ASCIIHex, then Flate) only
    qpdf can decode it, and runs out of memory: the failed decode that must refuse.
    """
    # Full flushes make each megabyte's deflate blocks independent, so one can be repeated
    # (the checksum at the end is wrong, but decoding runs out of memory long before it).
    compressor = zlib.compressobj(9)
    chunk = b"\x00" * (1024 * 1024)
    head = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    inner = head + block * (decoded_mb - 1) + compressor.flush()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    if hex_outer:
        stream = pikepdf.Stream(pdf, inner.hex().encode() + b">")
        stream.Filter = pikepdf.Array([pikepdf.Name.ASCIIHexDecode, pikepdf.Name.FlateDecode])
    else:
        stream = pikepdf.Stream(pdf, zlib.compress(inner, 9))
        stream.Filter = pikepdf.Array([pikepdf.Name.FlateDecode, pikepdf.Name.FlateDecode])
    pdf.pages[0].Contents = pdf.make_indirect(stream)
    return _save(pdf, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)


def broken_stream_pdf() -> bytes:
    """A readable page whose content stream cannot be decoded (a corrupt LZW stream)."""
    pdf = pikepdf.open(io.BytesIO(text_pdf("lzw")))
    stream = pikepdf.Stream(pdf, b"\x00\x01\xff\xfe junk")
    stream.Filter = pikepdf.Name.LZWDecode
    pdf.pages[0].Contents = pdf.make_indirect(stream)
    return _save(pdf, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)


def heic_garbage() -> bytes:
    """An ISO BMFF header that says HEIC, then nothing a decoder can use."""
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)) * 8


def heic_truncated() -> bytes:
    return heic_image()[:400]
