"""Intake against hostile and real-world files: bounded work, nothing active or identifying left,
ordinary documents (owner-password, filled forms, reference cycles) accepted, causes audited."""

from __future__ import annotations

import dataclasses
import io

import pikepdf
import pypdfium2
import pytest
from PIL import Image

from documents import images, intake, jpegmeta, pdfsafe, pdfstreams
from documents.models import Document
from schools.models import AuditEvent

from . import files


def _refused(participant, data, code, cause, kind="notice_copy"):
    with pytest.raises(intake.Refusal) as caught:
        intake.accept(participant, kind, data)
    assert caught.value.code == code
    assert not Document.objects.exists()
    event = AuditEvent.objects.filter(action="upload_refused").latest("id")
    assert event.details["reason"] == code
    assert event.details["cause"] == cause


def _text(pdf_bytes: bytes) -> str:
    return "\n".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf_bytes))


def test_array_cycle_pdf_is_accepted(participant):
    document = intake.accept(participant, "portal_pdf", files.array_cycle_pdf())
    assert document.pages == 1
    assert "cycle" in _text(document.read_content())


@pytest.mark.parametrize("aes256", [True, False], ids=["aes256", "aes128"])
def test_owner_password_pdf_is_rewritten_unencrypted(participant, aes256):
    original = files.owner_password_pdf(aes256=aes256)
    assert pikepdf.open(io.BytesIO(original)).is_encrypted
    document = intake.accept(participant, "portal_pdf", original)
    stored = pikepdf.open(io.BytesIO(document.read_content()))
    assert not stored.is_encrypted
    assert "Shikaku joho" in _text(document.read_content())


def test_owner_password_pdf_is_still_screened_for_my_numbers(participant):
    data = files.owner_password_pdf("Kojin bango 1234 5678 9018")
    _refused(participant, data, "my_number", "my_number")


def test_user_password_pdf_is_refused_with_its_cause(participant):
    _refused(participant, files.encrypted_pdf(), "pdf_encrypted", "password")


def test_filled_form_is_flattened_then_removed(participant):
    document = intake.accept(participant, "portal_pdf", files.filled_form_pdf("FILLED 4321"))
    stored = document.read_content()
    assert "FILLED 4321" in _text(stored)  # drawn on the page, not lost
    clean = pikepdf.open(io.BytesIO(stored))
    assert "/AcroForm" not in clean.Root
    assert not clean.pages[0].get("/Annots")
    for obj in clean.objects:
        if isinstance(obj, pikepdf.Dictionary):
            assert "/FT" not in obj and "/V" not in obj


def test_form_value_holding_a_my_number_is_refused(participant):
    _refused(participant, files.filled_form_pdf("1234 5678 9018"), "my_number", "my_number")


def test_camera_exif_and_xmp_inside_a_pdf_are_removed(participant):
    document = intake.accept(participant, "notice_copy", files.exif_jpeg_pdf())
    stored = document.read_content()
    for raw in (b"Exif", b"MakerCorp", files.MARKER.encode(), b"xmpmeta", b"/Metadata"):
        assert raw not in stored
    clean = pikepdf.open(io.BytesIO(stored))
    image = pikepdf.PdfImage(clean.pages[0].Resources.XObject.Im0)
    assert image.as_pil_image().size == (300, 400)  # still a decodable JPEG


@pytest.mark.parametrize("where", ["link", "outline", "page", "catalog"])
def test_chained_actions_are_removed_wherever_they_hang(participant, where):
    document = intake.accept(participant, "portal_pdf", files.chained_actions_pdf(where))
    stored = document.read_content()
    assert files.LAUNCH_PAYLOAD not in stored and files.URI_PAYLOAD not in stored
    clean = pikepdf.open(io.BytesIO(stored))
    assert pdfsafe.find_forbidden(clean, pikepdf) == []
    for obj in clean.objects:
        if isinstance(obj, pikepdf.Dictionary) and "/S" in obj:
            assert str(obj.S) not in pdfsafe.DANGEROUS_ACTIONS


def test_chained_link_keeps_its_harmless_first_action(participant):
    document = intake.accept(participant, "portal_pdf", files.chained_actions_pdf("link"))
    clean = pikepdf.open(io.BytesIO(document.read_content()))
    (link,) = clean.pages[0].Annots
    assert str(link.A.S) == "/GoTo"
    assert all(str(a.get("/S")) == "/GoTo" for a in link.A.Next)


def test_failed_stream_decode_is_refused(participant):
    _refused(participant, files.broken_stream_pdf(), "pdf_broken", "decode_failed")


@pytest.mark.parametrize("hex_outer", [False, True], ids=["flate-flate", "hex-flate"])
def test_nested_bomb_is_counted_as_it_inflates(participant, hex_outer):
    data = files.nested_flate_bomb_pdf(hex_outer=hex_outer)
    _refused(participant, data, "pdf_too_complex", "decoded_bytes")


class _Undecodable:
    """A stream whose decoding fails the way qpdf reports it (DataDecodingError)."""

    def __init__(self, message):
        self.message = message

    def get(self, key, default=None):
        return default

    def read_raw_bytes(self):
        return b"x" * 10

    def read_bytes(self):
        raise pikepdf.DataDecodingError(self.message)


@pytest.mark.parametrize(
    ("message", "code", "cause"),
    [
        ("stream (object 4,0): std::bad_alloc", "pdf_too_complex", "decode_memory"),
        ("LZWDecoder: bad code received", "pdf_broken", "decode_failed"),
    ],
)
def test_failed_decode_refuses_instead_of_counting_compressed_bytes(message, code, cause):
    with pytest.raises(pdfsafe.PdfRefused) as caught:
        pdfstreams.decoded_size(None, _Undecodable(message), 1000, pikepdf)
    assert (caught.value.code, caught.value.cause) == (code, cause)


def test_optional_steps_fall_back_instead_of_refusing(monkeypatch):
    # In-process run of the child's code, with the tidying steps failing as on real files.
    def boom(self, *args, **kwargs):
        raise pikepdf.PdfError("unexpected stream")

    monkeypatch.setattr(pikepdf.Pdf, "remove_unreferenced_resources", boom)
    monkeypatch.setattr(pikepdf.Pdf, "flatten_annotations", boom)
    header, body = pdfsafe.child_normalise(files.filled_form_pdf())
    assert header["ok"] and header["fallbacks"] == ["flatten", "prune"]
    clean = pikepdf.open(io.BytesIO(body[: header["size"]]))
    assert "/AcroForm" not in clean.Root  # the form still goes, unflattened


@pytest.mark.parametrize(
    ("maker", "cause"),
    [(files.heic_garbage, "heif_decode"), (files.heic_truncated, "heif_decode")],
    ids=["garbage", "truncated"],
)
def test_malformed_heic_is_a_clear_refusal(participant, maker, cause):
    _refused(participant, maker(), "image_broken", cause)


def test_many_scan_progressive_jpeg_is_refused_before_decoding(participant):
    data = files.progressive_jpeg(repeat_scans=300)
    assert jpegmeta.scan_count(data) > images.MAX_JPEG_SCANS
    _refused(participant, data, "image_too_complex", "jpeg_scans")


def test_ordinary_progressive_jpeg_is_accepted(participant):
    data = files.progressive_jpeg()
    assert 1 < jpegmeta.scan_count(data) <= images.MAX_JPEG_SCANS
    document = intake.accept(participant, "notice", data)
    assert Image.open(io.BytesIO(document.read_content())).size == (400, 300)


def test_images_are_decoded_in_the_bounded_child(participant, monkeypatch):
    # A wall bound that no decode can meet: only a child process can be cut off like this.
    monkeypatch.setattr(images, "LIMITS", dataclasses.replace(images.LIMITS, wall_seconds=0.001))
    _refused(participant, files.png_image(), "image_too_complex", "timeout")


def test_jpeg_with_a_flood_of_segments_is_refused(participant):
    photo = files.progressive_jpeg()
    flood = photo[:2] + b"\xff\xfe\x00\x03x" * (jpegmeta.MAX_SEGMENTS + 10) + photo[2:]
    _refused(participant, flood, "image_too_complex", "jpeg_scans")


def test_jpeg_metadata_stripping_keeps_decoding_segments():
    photo = files.jpeg_with_gps(size=(64, 48))
    clean = jpegmeta.strip_metadata(photo + b"trailing MPF image")
    assert b"Exif" not in clean and files.MARKER.encode() not in clean
    assert clean.endswith(b"\xff\xd9")
    assert Image.open(io.BytesIO(clean)).size == (64, 48)
    assert jpegmeta.strip_metadata(b"not a jpeg") is None
