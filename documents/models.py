from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trips.models import Participant, Trip


class DocumentKind(models.TextChoices):
    """The documents the Ministry's notice accepts (DESIGN.md §1), plus the card declaration."""

    PORTAL_PDF = "portal_pdf", _("マイナポータルの資格情報PDF")
    PORTAL_PRINT = "portal_print", _("マイナポータルの資格情報PDFの印刷物")
    NOTICE = "notice", _("資格情報のお知らせ")
    NOTICE_COPY = "notice_copy", _("資格情報のお知らせの写し")
    KAKUNIN_COPY = "kakunin_copy", _("資格確認書の写し")
    CARD_CARRIED = "card_carried", _("本人がマイナンバーカードを持参")


class Screen(models.TextChoices):
    """Which screen read the document before it was stored (codes; nothing read is kept)."""

    PDF_TEXT = "pdf_text", _("PDFの文字情報")
    OCR = "ocr", _("文字認識（OCR）")
    NONE = "none", _("未確認（文字認識できず）")


class TripKey(models.Model):
    """A trip's data key, only ever stored wrapped by a master key. Deleted by the purge."""

    trip = models.OneToOneField(Trip, on_delete=models.CASCADE, related_name="data_key")
    master_key_id = models.CharField(max_length=40)
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key for trip {self.trip_id}"


class ReviewState(models.TextChoices):
    PENDING = "pending", _("確認待ち")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("差し戻し")


class Document(models.Model):
    """One guardian upload (or card declaration). The file lives encrypted in the vault.

    Only a hash, size, page count and the review state are kept in the clear.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("書類の種類"), max_length=20, choices=DocumentKind.choices)
    # Random id used as the encryption's associated data and in URLs.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    storage_name = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField(default=0)
    # Review flags as short codes ("name_mismatch", "insurer_check_failed", ...), never values.
    flags = models.JSONField(default=list, blank=True)
    # Which screen ran: the PDF's text layer, OCR of the pictures, or none (OCR unavailable or
    # out of time: kept for review with the "not_screened" flag, never taken as screened).
    screen = models.CharField(_("確認方法"), max_length=10, choices=Screen.choices, blank=True)
    # The guardian's file name, kept only encrypted with the document and purged with it.
    original_name_encrypted = models.BinaryField(null=True, blank=True)
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING, db_index=True
    )
    reject_reason = models.TextField(_("理由"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("書類")
        verbose_name_plural = _("書類")
        ordering = ["participant_id", "-uploaded_at"]
        constraints = [
            # One current document per participant: a replacement deletes the older one in the
            # same transaction (documents/intake.py), so readers never choose among several.
            models.UniqueConstraint(fields=["participant"], name="one_document_per_participant")
        ]

    def __str__(self) -> str:
        return f"document {self.pk} ({self.kind})"

    @property
    def aad(self) -> str:
        return f"document:{self.uuid}"

    @property
    def has_file(self) -> bool:
        return bool(self.storage_name)

    def read_content(self) -> bytes:
        """The decrypted, sanitized bytes (PDF or JPEG); empty for a card declaration."""
        from . import vault  # noqa: PLC0415 (vault imports these models)

        if not self.storage_name:
            return b""
        return vault.load(self.participant.trip_id, self.storage_name, aad=self.aad)


class UploadLinkQuerySet(models.QuerySet):
    def live(self) -> UploadLinkQuerySet:
        """Not revoked (at most one per participant: a database constraint). Whether it still
        answers also depends on its trip (documents.links.is_open)."""
        return self.filter(revoked_at__isnull=True)


class UploadLink(models.Model):
    """A guardian's private link to one participant's upload page.

    Only the SHA-256 of the token is stored, with a random nonce from which the server (and only
    the server, holding SECRET_KEY) can derive it again. Valid until the trip ends or is locked,
    or until revoked.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="upload_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # Random per link; the token is HMAC(server secret, nonce), so `upload_links`, letters and
    # e-mails can show the same URL again while the database alone never yields a working link.
    nonce = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = UploadLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("提出用リンク")
        verbose_name_plural = _("提出用リンク")
        constraints = [
            # A double-clicked reissue must not leave two working links (documents/links.py).
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_link_per_participant",
            )
        ]

    def __str__(self) -> str:
        return f"link {self.pk}"


class Reminder(models.Model):
    """One reminder e-mail to a family that had sent nothing (or a rejected document).

    `automatic` reminders (the beat sweep, N days before the 提出期限) are sent once per
    participant: the unique constraint makes the sweep safe to run twice or late.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="reminders")
    automatic = models.BooleanField(default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督促メール")
        verbose_name_plural = _("督促メール")
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(automatic=True),
                name="one_automatic_reminder_per_participant",
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.pk}"


class PendingFileDeletion(models.Model):
    """A vault file whose row is gone: removed after the deleting commit, retried until gone.

    Written in the same transaction that deletes the row (documents/deletion.py), so a crash
    after the commit leaves a record the next sweep retries; storage names are random.
    """

    storage_name = models.CharField(max_length=200, unique=True)
    trip_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"pending deletion {self.pk}"
