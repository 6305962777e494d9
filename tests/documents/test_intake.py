"""Every refusal path of the pipeline, and clean bytes for what it accepts."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from documents import intake, pdfsafe
from documents.models import Document, ReviewState
from schools.models import AuditEvent
from trips.models import ParticipantState

from . import files


def _vault_files(settings):
    return [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]


def _refused(participant, settings, data, code, kind="notice_copy"):
    with pytest.raises(intake.Refusal) as caught:
        intake.accept(participant, kind, data)
    assert caught.value.code == code
    assert str(caught.value.message) == str(intake.MESSAGES[code])
    assert not Document.objects.exists()
    assert _vault_files(settings) == []
    event = AuditEvent.objects.filter(action="upload_refused").latest("id")
    assert event.details["reason"] == code
    return caught.value


@pytest.mark.parametrize(
    ("maker", "code"),
    [
        (files.encrypted_pdf, "pdf_encrypted"),
        (files.truncated_pdf, "pdf_broken"),
        (files.html_as_pdf, "type"),
        (files.bomb_png, "image_too_large"),
        (lambda: files.blank_pdf(50), "pdf_too_many_pages"),
        (lambda: files.blank_pdf(5), "pdf_too_many_pages"),
        (lambda: files.text_pdf("Kojin bango 1234 5678 9018"), "my_number"),
        (lambda: b"", "empty"),
        (lambda: b"GIF89a" + b"\x00" * 100, "type"),
        (lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 50, "image_broken"),
    ],
    ids=[
        "encrypted",
        "truncated",
        "html",
        "png-bomb",
        "50-pages",
        "5-pages",
        "my-number",
        "empty",
        "gif",
        "broken-jpeg",
    ],
)
def test_refusals(participant, settings, maker, code):
    _refused(participant, settings, maker(), code)


@pytest.mark.slow
def test_compression_bomb_pdf_is_refused_without_harm(participant, settings):
    _refused(participant, settings, files.compression_bomb_pdf(), "pdf_too_complex")


def test_too_large_bytes_refused(participant, settings):
    _refused(participant, settings, b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "too_large")


def test_card_kind_with_a_file_is_refused(participant, settings):
    _refused(participant, settings, files.blank_pdf(), "card_with_file", kind="card_carried")


def test_closed_trip_refuses(participant, settings):
    from django.utils import timezone

    participant.trip.locked_at = timezone.now()
    participant.trip.save()
    _refused(participant, settings, files.blank_pdf(), "closed")


def test_pdf_with_javascript_and_attachment_is_rewritten_clean(participant):
    hostile = files.active_pdf()
    document = intake.accept(participant, "portal_pdf", hostile)
    stored = document.read_content()
    assert stored != hostile
    clean = pikepdf.open(io.BytesIO(stored))
    assert pdfsafe.find_forbidden(clean, pikepdf) == []
    assert len(clean.attachments) == 0
    assert "/Names" not in clean.Root or "/JavaScript" not in clean.Root.Names
    for raw in (b"/JavaScript", b"/EmbeddedFile", b"MZ evil", b"calc.exe", b"/OpenAction"):
        assert raw not in stored
    assert document.pages == 1
    assert document.content_type == "application/pdf"


def test_jpeg_with_gps_is_upright_small_and_without_metadata(participant):
    original = files.jpeg_with_gps()
    document = intake.accept(participant, "notice", original)
    stored = document.read_content()
    im = Image.open(io.BytesIO(stored))
    assert im.format == "JPEG"
    # Orientation 6 applied: the 3000x4000 portrait becomes landscape, then downscaled.
    assert im.width > im.height
    assert max(im.size) <= 2400
    assert not im.getexif()
    assert "exif" not in im.info and "icc_profile" not in im.info and "comment" not in im.info
    assert b"Exif" not in stored and files.MARKER.encode() not in stored
    assert b"MakerCorp" not in stored
    assert document.content_type == "image/jpeg"
    assert participant.state == ParticipantState.UPLOADED
    assert document.review_state == ReviewState.PENDING


def test_small_image_is_never_upscaled(participant):
    document = intake.accept(participant, "notice", files.png_image((800, 600)))
    assert Image.open(io.BytesIO(document.read_content())).size == (800, 600)


def test_heic_is_stored_as_jpeg(participant):
    document = intake.accept(participant, "kakunin_copy", files.heic_image())
    stored = document.read_content()
    assert stored.startswith(b"\xff\xd8\xff")
    assert Image.open(io.BytesIO(stored)).size == (640, 480)


def test_portal_pdf_with_the_roster_name_is_not_flagged(participant):
    data = files.japanese_pdf(["資格情報", "氏名 山田　太郎", "保険者番号 01130012"])
    document = intake.accept(participant, "portal_pdf", data)
    assert document.flags == []


def test_portal_pdf_of_another_child_is_flagged(participant):
    data = files.japanese_pdf(["資格情報", "氏名 佐藤 花子", "保険者番号 01130013"])
    document = intake.accept(participant, "portal_pdf", data)
    assert document.flags == ["name_mismatch", "insurer_check_failed"]
    # Nothing read from the document is stored in the clear.
    row = Document.objects.filter(pk=document.pk).values().get()
    assert "佐藤" not in repr(row) and "01130013" not in repr(row)


def test_replacing_keeps_one_document_and_removes_the_old_file(
    participant, settings, django_capture_on_commit_callbacks
):
    first = intake.accept(participant, "notice", files.png_image())
    with django_capture_on_commit_callbacks(execute=True):
        second = intake.accept(participant, "portal_pdf", files.blank_pdf())
    assert list(participant.documents.all()) == [second]
    assert not Document.objects.filter(pk=first.pk).exists()
    assert len(_vault_files(settings)) == 1


def test_withdraw_removes_rows_and_files(participant, settings, django_capture_on_commit_callbacks):
    intake.accept(participant, "notice", files.png_image())
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.withdraw(participant) == 1
    assert not Document.objects.exists()
    assert _vault_files(settings) == []
    assert participant.state == ParticipantState.LINK_SENT
    assert AuditEvent.objects.filter(action="document_withdrawn").exists()


def test_card_declaration_needs_no_file(participant, settings):
    document = intake.declare_card(participant)
    assert document.kind == "card_carried" and not document.has_file
    assert document.review_state == ReviewState.ACCEPTED
    assert participant.state == ParticipantState.CARD_CARRIED
    assert _vault_files(settings) == []


def test_pdf_sandbox_child_cannot_write_files(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    target = tmp_path / "leak.bin"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from documents.pdfsafe import _limit_child; _limit_child();"
        "f = open(sys.argv[2], 'wb'); f.write(b'plaintext' * 1000); f.flush()"
    )
    root = str(Path(pdfsafe.__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, root, str(target)], capture_output=True, check=False
    )
    assert result.returncode != 0
    assert not target.exists() or target.stat().st_size == 0


def test_malformed_heic_is_a_clear_refusal(participant, settings):
    _refused(participant, settings, files.malformed_heic(), "image_broken")
