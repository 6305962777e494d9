"""The intake pipeline (DESIGN.md §3): one entry point, each step able to refuse with a reason.

`accept(participant, kind, upload)` returns the stored Document or raises Refusal(code, message).
Everything happens in memory: the upload handler never spills to disk, the PDF child process
cannot write files, and only ciphertext reaches the vault. What the screens read (text, names,
numbers) is dropped when the function returns; only short flag codes are kept.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from schools.audit import record
from schools.errors import CodedError
from trips.models import Participant, ParticipantState, PurgeState, Trip

from . import guards, images, pdfsafe, sandbox, screening, vault
from .deletion import delete_document
from .models import Document, DocumentKind, ReviewState, Screen

log = logging.getLogger(__name__)

FILE_KINDS = [k for k in DocumentKind.values if k != DocumentKind.CARD_CARRIED]

MESSAGES = {
    "too_large": _("ファイルが大きすぎます。10MB以下のファイルを選んでください。"),
    "too_many_files": _("ファイルは1回に1つだけ送れます。"),
    "empty": _("ファイルが空です。もう一度選んでください。"),
    "no_file": _("ファイルを選んでください。"),
    "type": _("受け付けるのはPDF、JPEG、PNG（iPhoneのHEICも可）だけです。"),
    "pdf_encrypted": _(
        "パスワード付きのPDFは受け付けられません。パスワードなしで保存し直すか、"
        "印刷して写真で送ってください。"
    ),
    "pdf_broken": _("PDFを読み取れませんでした。ファイルが壊れている可能性があります。"),
    "pdf_too_many_pages": _("PDFは4ページまでです。必要なページだけを送ってください。"),
    "pdf_too_complex": _("このPDFは処理できませんでした。印刷して写真で送ってください。"),
    "pdf_active_content": _("このPDFは処理できませんでした。印刷して写真で送ってください。"),
    "image_broken": _("画像を読み取れませんでした。撮り直してもう一度送ってください。"),
    "image_too_large": _("画像の画素数が多すぎます。通常の設定で撮った写真を送ってください。"),
    "image_too_complex": _(
        "この画像は処理できませんでした。通常の設定で撮り直すか、別の形式で送ってください。"
    ),
    "my_number": _(
        "マイナンバー（個人番号）と思われる12桁の番号が含まれています。学校はマイナンバーを"
        "受け取れません。お知らせは番号のないカード部分だけを送ってください。"
        "番号でない場合も、別のファイル（写真など）でお送りください。"
    ),
    "my_number_card": _(
        "マイナンバーカードの写しは受け取れません。カードには保険の情報がなく、病院では使えません。"
        "資格情報のお知らせ（カード部分）、マイナポータルの資格情報PDF、"
        "または資格確認書の写しを送ってください。"
    ),
    "kind": _("書類の種類を選んでください。"),
    "card_with_file": _(
        "「本人がマイナンバーカードを持参」を選んだときはファイルを送れません。"
        "ファイルを送る場合は書類の種類を選び直し、カードを持参する場合はファイルを外してください。"
    ),
    "consent": _("利用目的と削除日への同意が必要です。"),
    "closed": _("受付は終了しました。学校にお問い合わせください。"),
}


class Refusal(CodedError):
    """A refused upload: `code` picks the guardian's `message`; `cause` says what happened.

    Both are short codes for the audit log (reason, cause); the cause tells refusals with one
    message apart (a timeout from a decoding failure, say), never with content.
    """

    def __init__(self, code: str, cause: str = ""):
        super().__init__(code, cause)
        self.message = MESSAGES.get(code, MESSAGES["pdf_broken"])


def refuse(
    participant: Participant, code: str, *, kind: str = "", actor=None, cause: str = ""
) -> Refusal:
    """Audit a refusal (reason and cause codes only) and return the exception to raise."""
    record(
        "upload_refused",
        actor=actor,
        obj=participant,
        school=participant.trip.school_id,
        trip=participant.trip_id,
        reason=code,
        cause=cause or code,
        kind=kind if kind in DocumentKind.values else "",
    )
    return Refusal(code, cause)


def sniff(data: bytes) -> str | None:
    # PDF readers accept the header anywhere in the first 1024 bytes; so do we.
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    fmt = images.sniff(data)
    return images.FORMATS.get(fmt) if fmt else None


@sensitive_variables("data", "clean", "text")
def accept(participant: Participant, kind: str, upload, *, actor=None) -> Document:
    """Run the pipeline on an uploaded file (UploadedFile or bytes) and store the result."""
    try:
        return _accept(participant, kind, upload, actor=actor)
    except Refusal as refusal:
        raise refuse(
            participant, refusal.code, kind=kind, actor=actor, cause=refusal.cause
        ) from None


@sensitive_variables("data", "clean", "text")
def _accept(participant: Participant, kind: str, upload, *, actor=None) -> Document:
    if not participant.trip.accepts_guardian_changes:
        raise Refusal("closed")
    if kind == DocumentKind.CARD_CARRIED and upload is not None:
        raise Refusal("card_with_file")
    if kind not in FILE_KINDS:
        raise Refusal("kind")
    if upload is None:
        raise Refusal("no_file")
    # 1. size (the upload handler already stopped anything far larger while streaming)
    if getattr(upload, "size", 0) > settings.UPLOAD_MAX_BYTES:
        raise Refusal("too_large")
    data = upload if isinstance(upload, bytes) else _take_bytes(upload)
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise Refusal("too_large")
    if not data:
        raise Refusal("empty")
    normalised = normalise(data)
    del data
    screen_ran, flags = screen(participant, kind, normalised)
    return _store(
        participant,
        kind,
        normalised.data,
        normalised.content_type,
        normalised.pages,
        flags,
        screen=screen_ran,
        actor=actor,
    )


def _take_bytes(upload) -> bytes:
    """The upload's bytes, taken from its buffer without a copy; the buffer is closed.

    The upload handler holds the file in a BytesIO (never on disk). `getvalue()` hands over the
    BytesIO's own bytes object (CPython shares it while nothing writes); `read()` would make a
    second 2-10 MB copy per upload in the web process, and the closed buffer lets the first go
    as soon as intake drops `data`, not when the request ends.
    """
    buffer = getattr(upload, "file", None)
    if isinstance(buffer, io.BytesIO):
        data = buffer.getvalue()
    else:
        data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
    upload.close()
    return data


@dataclass(frozen=True)
class Normalised:
    """What intake keeps of an upload: the bytes to store and what the screens may read."""

    data: bytes  # a rewritten PDF, or a clean upright JPEG
    content_type: str  # "application/pdf" or "image/jpeg"
    pages: int
    text: str  # the PDF's text layer ("" for a photo): screened in memory, never stored


@sensitive_variables("data", "result", "clean")
def normalise(data: bytes) -> Normalised:
    """Steps 2-4: type by content, then the PDF or image rewritten in the sandbox child.

    Raises Refusal. The screens (`screen`) run on the result; an OCR screen of the normalised
    JPEG (or of a PDF's rendered pages) belongs after this function, in `screen`.
    """
    # 2. type by content
    content_type = sniff(data)
    if content_type is None:
        raise Refusal("type")
    try:
        if content_type == "application/pdf":
            # 3. PDF: bounded child process, rewritten without active content
            result = pdfsafe.normalise(data)
            if result.fallbacks:
                log.info("pdf normalised with fallbacks: %s", ",".join(result.fallbacks))
            return Normalised(result.data, content_type, result.pages, result.text)
        # 4. image: bounded child, upright, downscaled once, re-encoded without metadata
        clean, _w, _h = images.normalise(data)
    except sandbox.Refused as exc:
        raise Refusal(exc.code, exc.cause) from None
    return Normalised(clean, "image/jpeg", 1, "")


@sensitive_variables("normalised")
def screen(participant: Participant, kind: str, normalised: Normalised) -> tuple[str, list[str]]:
    """Steps 5-6: which screen ran and its review flags; Refusal on a My Number or a card copy.

    A PDF with a text layer is screened on its text; a photo, and each page of an image-only
    PDF (a scanned printout), by OCR in a bounded child (documents/screening.py).
    """
    if normalised.content_type == "application/pdf":
        # 5. My Number guard
        if guards.contains_my_number(normalised.text):
            raise Refusal("my_number")
        if not normalised.text.strip():
            return _screen_pictures(participant, _pdf_pages(normalised.data, normalised.pages))
        # 6. what a マイナポータル PDF says, checked in memory and dropped
        if kind == DocumentKind.PORTAL_PDF:
            return Screen.PDF_TEXT, _portal_flags(participant, normalised.text)
        return Screen.PDF_TEXT, []
    # 5-6 for pictures: OCR in a bounded child, codes only
    return _screen_pictures(participant, [normalised.data])


def _pdf_pages(clean: bytes, pages: int):
    """The pages of an image-only PDF, rendered one at a time in the PDF sandbox."""
    for index in range(pages):
        try:
            yield pdfsafe.render_page(clean, index)
        except pdfsafe.PdfRefused:
            raise screening.ocr.OcrUnavailable("ocr_unavailable") from None


def _screen_pictures(participant: Participant, pages) -> tuple[str, list[str]]:
    """OCR screen: Refusal on a My Number or a card copy; else (screen, flags) to store."""
    student = participant.student
    result = screening.screen_pages(pages, names=[student.name, student.kana], expects_name=True)
    if result.refusal:
        raise Refusal(result.refusal)
    return (Screen.OCR if result.screened else Screen.NONE), result.flags


def _portal_flags(participant: Participant, text: str) -> list[str]:
    flags = []
    if not text.strip():
        return ["no_text"]
    student = participant.student
    if not guards.name_appears(text, student.name, student.kana):
        flags.append("name_mismatch")
    if guards.insurer_numbers_ok(text) is False:
        flags.append("insurer_check_failed")
    return flags


def _lock_open_trip(trip_id: int) -> Trip:
    """The trip row, locked for this transaction; Refusal("closed") unless it still takes changes.

    The pipeline may run for seconds (the PDF step); meanwhile the trip can be locked, or the
    purge can start. The purge locks the same row, so after this check our write either commits
    before the purge starts (and the purge deletes it) or sees the purge and refuses.
    """
    trip = Trip.objects.select_for_update().get(pk=trip_id)
    if trip.purge_state != PurgeState.ACTIVE or not trip.accepts_guardian_changes:
        raise Refusal("closed")
    return trip


def _store(
    participant, kind, clean: bytes, content_type, pages, flags, *, screen: str, actor
) -> Document:
    trip_id = participant.trip_id
    document = Document(
        participant=participant,
        kind=kind,
        content_type=content_type,
        size=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
        pages=pages,
        flags=flags,
        screen=screen,
    )
    # 7. only ciphertext is written; a crash before the commit leaves an orphan for the
    # reconciliation, never a plaintext file.
    try:
        # Refused (VaultError) when the purge has started: no key is made for a purged trip.
        document.storage_name = vault.store(trip_id, clean, aad=document.aad)
    except vault.VaultError:
        if not Trip.objects.filter(pk=trip_id, purge_state=PurgeState.ACTIVE).exists():
            raise Refusal("closed") from None
        raise
    try:
        with transaction.atomic():
            _lock_open_trip(trip_id)
            locked = Participant.objects.select_for_update().get(pk=participant.pk)
            for older in locked.documents.all():
                delete_document(older)  # replacing: one current document per participant
            document.save()
            locked.state = ParticipantState.UPLOADED
            locked.save(update_fields=["state"])
            participant.state = locked.state
            record(
                "upload_accepted",
                actor=actor,
                obj=document,
                school=participant.trip.school_id,
                trip=trip_id,
                kind=kind,
                pages=pages,
                bytes=len(clean),
                status="flagged" if flags else "clean",
                method=str(screen),
            )
    except Exception:
        vault.remove(document.storage_name)
        raise
    return document


def declare_card(participant: Participant, *, actor=None) -> Document:
    """The child carries the My Number card: no file, nothing to review."""
    if not participant.trip.accepts_guardian_changes:
        raise refuse(participant, "closed", kind=DocumentKind.CARD_CARRIED, actor=actor)
    try:
        with transaction.atomic():
            _lock_open_trip(participant.trip_id)
            locked = Participant.objects.select_for_update().get(pk=participant.pk)
            for older in locked.documents.all():
                delete_document(older)
            document = Document.objects.create(
                participant=locked,
                kind=DocumentKind.CARD_CARRIED,
                review_state=ReviewState.ACCEPTED,
            )
            locked.state = ParticipantState.CARD_CARRIED
            locked.save(update_fields=["state"])
            participant.state = locked.state
            record(
                "card_declared",
                actor=actor,
                obj=document,
                school=participant.trip.school_id,
                trip=participant.trip_id,
                kind=DocumentKind.CARD_CARRIED,
            )
    except Refusal as refusal:
        # Recorded after the rollback, or the audit event would be rolled back with it.
        raise refuse(
            participant, refusal.code, kind=DocumentKind.CARD_CARRIED, actor=actor
        ) from None
    return document


def withdraw(participant: Participant, *, actor=None) -> int:
    """Remove the guardian's upload or declaration (until the lock). Returns how many."""
    if not participant.trip.accepts_guardian_changes:
        raise refuse(participant, "closed", actor=actor)
    try:
        with transaction.atomic():
            # The same lock as storing: a withdrawal never races the teacher's lock or the purge.
            _lock_open_trip(participant.trip_id)
            locked = Participant.objects.select_for_update().get(pk=participant.pk)
            documents = list(locked.documents.all())
            for document in documents:
                delete_document(document)
            locked.state = ParticipantState.LINK_SENT
            locked.save(update_fields=["state"])
            participant.state = locked.state
            record(
                "document_withdrawn",
                actor=actor,
                obj=participant,
                school=participant.trip.school_id,
                trip=participant.trip_id,
                count=len(documents),
            )
    except Refusal as refusal:
        # Recorded after the rollback, or the audit event would be rolled back with it.
        raise refuse(participant, refusal.code, actor=actor) from None
    return len(documents)
