from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# No setting may keep documents longer than this many days after a trip (DESIGN.md §3).
MAX_GRACE_DAYS = 14


class Board(models.Model):
    """A board of education (教育委員会) running the site for its schools."""

    code = models.CharField(_("教育委員会コード"), max_length=20, unique=True)
    name = models.CharField(_("名前"), max_length=200)

    class Meta:
        verbose_name = _("教育委員会")
        verbose_name_plural = _("教育委員会")

    def __str__(self) -> str:
        return self.name


class BoardAdmin(models.Model):
    """A board's administrator: sees its schools' retention dashboards, certificates and audit
    logs (metadata only, never a document), and nothing of another board."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_roles"
    )
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="admins")

    class Meta:
        verbose_name = _("教育委員会の管理者")
        verbose_name_plural = _("教育委員会の管理者")
        constraints = [
            models.UniqueConstraint(fields=["user", "board"], name="one_admin_row_per_board"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@board{self.board_id}"


class School(models.Model):
    # School codes are the board's own numbering: unique within a board, not across boards.
    board = models.ForeignKey(
        Board,
        verbose_name=_("教育委員会"),
        on_delete=models.PROTECT,
        related_name="schools",
        null=True,
        blank=True,
    )
    code = models.CharField(_("学校コード"), max_length=20)
    name = models.CharField(_("名前"), max_length=200)
    grace_days = models.PositiveSmallIntegerField(
        _("旅行後の保管日数"),
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_GRACE_DAYS)],
        help_text=_("旅行の終了後、この日数が過ぎると書類を削除します（0〜14日）。"),
    )
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grace_days__lte=MAX_GRACE_DAYS), name="grace_days_at_most_14"
            ),
            models.UniqueConstraint(fields=["board", "code"], name="school_code_unique_per_board"),
            # A school outside any board (the single-school set-up) keeps a site-wide code.
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(board__isnull=True),
                name="school_code_unique_without_board",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    TEACHER = "teacher", _("教員")
    NURSE = "nurse", _("養護教諭")
    ADMIN = "admin", _("管理職")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("役割"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("所属")
        verbose_name_plural = _("所属")
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="one_role_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.school_id}:{self.role}"


class AuditEventQuerySet(models.QuerySet):
    # The audit trail is append-only: bulk edits and deletes are refused at the ORM level.
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One content-free line of the audit trail. Write it only through `schools.audit.record`."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Plain ids, not foreign keys: the trail must outlive users, trips and purges untouched.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=10, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    trip_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("監査記録")
        verbose_name_plural = _("監査記録")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
