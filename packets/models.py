from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trips.models import Trip


class PacketStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("作成中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失敗")


class BuildPhase(models.TextChoices):
    """The steps of a build, in order, as the progress bar names them."""

    FRONT = "front", _("表紙・一覧")
    PLACING = "placing", _("書類の配置")
    JOIN = "join", _("結合・押印")
    STORING = "storing", _("暗号化・保存")


class Packet(models.Model):
    """One built packet (whole trip, or one group), stored encrypted in the vault."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="packets")
    group_name = models.CharField(_("班"), max_length=50, blank=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=10, choices=PacketStatus.choices, default=PacketStatus.QUEUED, db_index=True
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # Which step of the build the progress counts (BuildPhase); empty until the build starts.
    progress_phase = models.CharField(max_length=10, choices=BuildPhase.choices, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    password_protected = models.BooleanField(default=False)
    # The chosen password waits here, encrypted in the vault, only until the build has used it:
    # it never travels through the broker as a task argument.
    password_storage_name = models.CharField(max_length=100, blank=True)
    storage_name = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    # Hash of the documents it was built from; a different current value means stale.
    source_fingerprint = models.CharField(max_length=64, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("提示用書類一式")
        verbose_name_plural = _("提示用書類一式")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"packet {self.pk}"

    @property
    def aad(self) -> str:
        return f"packet:{self.uuid}"

    @property
    def password_aad(self) -> str:
        return f"packet-password:{self.uuid}"


class PaperCopyQuerySet(models.QuerySet):
    def outstanding(self) -> PaperCopyQuerySet:
        """Printed and not yet confirmed shredded (it outlives the purge until then)."""
        return self.filter(shredded_at__isnull=True)


class PaperCopy(models.Model):
    """A printed copy of a packet; it must be shredded and confirmed after the trip.

    Outlives the packet row (and the purge) until its shredding is confirmed.
    """

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="paper_copies")
    packet = models.ForeignKey(
        Packet, null=True, blank=True, on_delete=models.SET_NULL, related_name="paper_copies"
    )
    copy_number = models.PositiveSmallIntegerField(_("部数番号"))
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="held_paper_copies",
        verbose_name=_("保管者"),
    )
    printed_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)
    shredded_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PaperCopyQuerySet.as_manager()

    class Meta:
        verbose_name = _("印刷物")
        verbose_name_plural = _("印刷物")
        constraints = [
            models.UniqueConstraint(fields=["trip", "copy_number"], name="copy_number_per_trip")
        ]

    def __str__(self) -> str:
        return f"copy {self.copy_number} of trip {self.trip_id}"


class CachedCover(models.Model):
    """A trip's rendered packet cover, kept encrypted in the vault until something on it changes.

    The cover is the one part of a packet WeasyPrint lays out (~0.3 s plus its import); it is
    the same for every build of a trip (or group) until its text changes, so a build reuses it
    when `html_sha256` still matches. Encrypted under the trip's key, so it dies with the trip
    (crypto-shredding); the purge deletes the row and the file (packets.work.remove_trip_work).
    """

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="+")
    group_name = models.CharField(max_length=50, blank=True)
    html_sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trip", "group_name"], name="one_cover_per_scope")
        ]

    def __str__(self) -> str:
        return f"cover of trip {self.trip_id}"

    @property
    def aad(self) -> str:
        return f"packet-cover:{self.trip_id}:{self.html_sha256}"
