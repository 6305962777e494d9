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


def owner_password_pdf(text: str = "owner only") -> bytes:
    """Opens without a password; printing/copying restricted by an owner password (as
    マイナポータル's qualification PDF is)."""
    pdf = pikepdf.open(io.BytesIO(text_pdf(text)))
    out = io.BytesIO()
    pdf.save(
        out,
        encryption=pikepdf.Encryption(
            user="",
            owner="owner-secret",
            allow=pikepdf.Permissions(extract=False, modify_other=False),
        ),
    )
    return out.getvalue()


def chained_actions_pdf() -> bytes:
    """Dangerous actions hidden behind harmless ones through /Next, in every place actions hang."""
    pdf = pikepdf.open(io.BytesIO(text_pdf("chained actions")))

    def chain(*dangerous):
        return pikepdf.Dictionary(
            S=pikepdf.Name.GoTo,
            D=pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit]),
            Next=pikepdf.Array(list(dangerous)) if len(dangerous) > 1 else dangerous[0],
        )

    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
    uri = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("http://198.51.100.7/x"))
    gotor = pikepdf.Dictionary(S=pikepdf.Name.GoToR, F=pikepdf.String("other.pdf"))
    submit = pikepdf.Dictionary(S=pikepdf.Name.SubmitForm, F=pikepdf.String("http://198.51.100.7"))
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([0, 0, 10, 10]),
        A=chain(launch),
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
    item = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("1"), A=chain(uri, gotor)))
    pdf.Root.Outlines = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=item, Last=item, Count=1)
    )
    item.Parent = pdf.Root.Outlines
    # A page-level and a catalog-level chain that start with a harmless action.
    pdf.pages[0].obj.A = chain(submit)
    pdf.Root.A = chain(
        pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("x")))
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
