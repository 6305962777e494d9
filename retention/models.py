"""Retention records: sweep runs, deletion certificates, incident notes.

None of these hold document contents, file names or insurance numbers: certificates are counts,
runs are counts and short codes.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trips.models import Participant, Trip


def new_run_code() -> str:
    # Letters only: the audit log's `run` detail refuses long digit runs (they look like numbers).
    return "run-" + "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(10))


class SweepStatus(models.TextChoices):
    RUNNING = "running", _("実行中")
    OK = "ok", _("成功")
    FAILED = "failed", _("失敗")


class SweepRun(models.Model):
    """One pass of the purge sweep (beat, manage.py purge_expired, or a cancellation)."""

    code = models.CharField(max_length=20, unique=True, default=new_run_code, editable=False)
    trigger = models.CharField(max_length=20, default="beat")
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=SweepStatus.choices, default=SweepStatus.RUNNING, db_index=True
    )
    trips_due = models.PositiveIntegerField(default=0)
    trips_purged = models.PositiveIntegerField(default=0)
    trips_failed = models.PositiveIntegerField(default=0)
    files_removed = models.PositiveIntegerField(default=0)
    files_pending = models.PositiveIntegerField(default=0)
    orphans_removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("削除処理の実行")
        verbose_name_plural = _("削除処理の実行")

    def __str__(self) -> str:
        return self.code


class PurgeReason(models.TextChoices):
    ENDED = "ended", _("旅行終了後の保管期間満了")
    CANCELLED = "cancelled", _("旅行の中止")


class DeletionCertificate(models.Model):
    """Proof that a trip's documents were deleted: counts, bytes, when, by which run.

    Rendered on demand as a PDF (削除証明書); it holds no personal data, so it is kept.
    """

    trip = models.OneToOneField(Trip, on_delete=models.PROTECT, related_name="deletion_certificate")
    # DC-<YYYYMMDD>-<trip id>-<4 hex>: 64 fits any bigint id with room to spare (PostgreSQL
    # enforces the length, SQLite does not, so a short field failed only in production).
    number = models.CharField(max_length=64, unique=True)
    run = models.ForeignKey(SweepRun, null=True, on_delete=models.SET_NULL, related_name="+")
    run_code = models.CharField(max_length=20)
    reason = models.CharField(max_length=10, choices=PurgeReason.choices)
    purge_due_at = models.DateTimeField()
    key_destroyed_at = models.DateTimeField()
    purged_at = models.DateTimeField()
    documents = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    packets = models.PositiveIntegerField(default=0)
    upload_links = models.PositiveIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    # Participants on the roster at the time (the roster itself is kept).
    participants = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-purged_at"]
        verbose_name = _("削除証明書")
        verbose_name_plural = _("削除証明書")

    def __str__(self) -> str:
        return self.number


class IncidentNote(models.Model):
    """A child saw a doctor on the trip: kept after the purge for the 災害共済給付 claim.

    Free text and no document; nurse and admin read it.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="incident_notes"
    )
    date = models.DateField(_("受診日"))
    place = models.CharField(_("医療機関・場所"), max_length=200)
    note = models.TextField(_("内容"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("受診記録")
        verbose_name_plural = _("受診記録")

    def __str__(self) -> str:
        return f"incident {self.pk}"
