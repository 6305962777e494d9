from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.access import trip_visibility_q
from schools.models import School
from students.models import Student, name_q, roster_order

TOKYO = ZoneInfo("Asia/Tokyo")

# Trip dates are school dates. The range catches typos such as 9999-12-31 or 0205-05-10 and keeps
# every date derived from them (purge date, link expiry) computable; the database holds it too.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
# A school trip lasts 2-5 days, a club camp or away game a week or two; a month covers the
# longest (an overseas study programme) while documents are still kept only as long as the trip
# needs them (DESIGN.md §1). Counted inclusively: 1-31 July is 31 days. Checked by TripForm only:
# date arithmetic in a CHECK constraint needs a function that SQLite gets from Django alone.
MAX_TRIP_DAYS = 31


class TripKind(models.TextChoices):
    SCHOOL_TRIP = "school_trip", _("修学旅行")
    OVERNIGHT = "overnight", _("宿泊学習")
    CLUB_CAMP = "club_camp", _("部活動合宿")
    AWAY_GAME = "away_game", _("遠征")
    OTHER = "other", _("その他")


class PurgeState(models.TextChoices):
    ACTIVE = "active", _("保管中")
    PURGING = "purging", _("削除中")
    PURGED = "purged", _("削除済")


class TripStatus(models.TextChoices):
    """Derived, never stored: see Trip.status_on."""

    PREPARING = "preparing", _("準備中")
    COLLECTING = "collecting", _("収集中")
    LOCKED = "locked", _("ロック済")
    ONGOING = "ongoing", _("実施中")
    ENDED = "ended", _("終了")
    PURGED = "purged", _("削除済")
    CANCELLED = "cancelled", _("中止")


class TripQuerySet(models.QuerySet):
    def visible_to(self, user) -> TripQuerySet:
        """The trips this user may see at all (the rules live in schools.access)."""
        return self.filter(trip_visibility_q(user))

    def with_progress(self) -> TripQuerySet:
        """Per-state participant counts in the same query (the dashboard's progress bars)."""
        counts = {
            f"n_{state}": models.Count("participants", filter=models.Q(participants__state=state))
            for state in ParticipantState.values
        }
        return self.annotate(n_participants=models.Count("participants"), **counts)


class Trip(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="trips")
    title = models.CharField(_("行事名"), max_length=200)
    kind = models.CharField(_("種別"), max_length=20, choices=TripKind.choices)
    destination = models.CharField(_("行き先"), max_length=200, blank=True)
    start_date = models.DateField(_("開始日"))
    end_date = models.DateField(_("終了日"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_trips",
        verbose_name=_("担当教員"),
    )
    accompanying = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="accompanied_trips",
        blank=True,
        verbose_name=_("引率教員"),
    )
    contact_phone = models.CharField(_("医療機関向け連絡先電話番号"), max_length=30, blank=True)
    # The date families are asked to send by; reminders go out a set number of days before it
    # (DEADLINE_REMINDER_DAYS). Optional: links still work until the trip is locked or ends.
    collection_deadline = models.DateField(_("提出期限"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    collecting_since = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    purge_state = models.CharField(
        max_length=10, choices=PurgeState.choices, default=PurgeState.ACTIVE, db_index=True
    )
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = TripQuerySet.as_manager()

    class Meta:
        verbose_name = _("旅行")
        verbose_name_plural = _("旅行")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="trip_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__gte=EARLIEST_DATE, end_date__lte=LATEST_DATE),
                name="trip_dates_in_range",
                violation_error_message=_(
                    "日付は2000年1月1日から2100年12月31日までの範囲で入力してください。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def purge_after(self) -> datetime.date:
        """Documents are kept through this school date (Asia/Tokyo), purged from the next 00:00.

        A trip ending on 10 March with 3 grace days: purge_after is 13 March, due 14 March 00:00.
        A cancelled trip is due at once (its cancellation date). Never raises: a date stored
        before the range checks existed (9999-12-31) gives the last date rather than breaking
        every page that lists the trip.
        """
        if self.cancelled_at is not None:
            return timezone.localdate(self.cancelled_at)
        return _days_after(self.end_date, self.school.grace_days)

    @property
    def purge_due_at(self) -> datetime.datetime:
        if self.cancelled_at is not None:
            return self.cancelled_at
        day = _days_after(self.purge_after, 1)
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=TOKYO)

    def status_on(self, today: datetime.date) -> str:
        # Terminal states first: a purged or cancelled trip stays so whatever the dates say.
        if self.purge_state == PurgeState.PURGED:
            return TripStatus.PURGED
        if self.cancelled_at is not None:
            return TripStatus.CANCELLED
        if today > self.end_date:
            return TripStatus.ENDED
        if today >= self.start_date:
            return TripStatus.ONGOING
        if self.locked_at is not None:
            return TripStatus.LOCKED
        if self.collecting_since is not None:
            return TripStatus.COLLECTING
        return TripStatus.PREPARING

    @property
    def status(self) -> str:
        return self.status_on(today_in_tokyo())

    def get_status_display(self) -> str:
        return TripStatus(self.status).label

    @property
    def accepts_guardian_changes(self) -> bool:
        """Guardians may upload, replace or withdraw until the teacher locks the trip or it ends.

        Upload links are valid until the trip's end (DESIGN.md §3): a family that forgot can
        still send the document on the first day, unless the teacher has locked the trip.
        """
        if self.is_closed or self.locked_at is not None:
            return False
        return today_in_tokyo() <= self.end_date

    @property
    def is_closed(self) -> bool:
        """Cancelled or purged (or purging): its set-up may not change any more."""
        return self.cancelled_at is not None or self.purge_state != PurgeState.ACTIVE


class ParticipantState(models.TextChoices):
    NOT_REQUESTED = "not_requested", _("未依頼")
    LINK_SENT = "link_sent", _("リンク送付済")
    UPLOADED = "uploaded", _("提出済")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("差し戻し")
    CARD_CARRIED = "card_carried", _("マイナンバーカード持参")


class ParticipantQuerySet(models.QuerySet):
    def search(self, query: str) -> ParticipantQuerySet:
        """The child's name or kana contains the query (the trip page and the trip day)."""
        return self.filter(name_q(query, "student__"))

    def in_roster_order(self) -> ParticipantQuerySet:
        return self.order_by(*roster_order("student__"))

    def group_names(self) -> list[str]:
        """The groups (班) in use, sorted; participants without one are in none."""
        names = self.exclude(group_name="").order_by().values_list("group_name", flat=True)
        return sorted(set(names))


class Participant(models.Model):
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="participants")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="participations")
    group_name = models.CharField(_("班"), max_length=50, blank=True)
    state = models.CharField(
        _("書類の状態"),
        max_length=20,
        choices=ParticipantState.choices,
        default=ParticipantState.NOT_REQUESTED,
        db_index=True,
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("参加者")
        verbose_name_plural = _("参加者")
        constraints = [
            models.UniqueConstraint(fields=["trip", "student"], name="student_once_per_trip")
        ]

    def __str__(self) -> str:
        return f"{self.trip_id}:{self.student_id}"


def today_in_tokyo() -> datetime.date:
    return timezone.localdate()


def _days_after(day: datetime.date, days: int) -> datetime.date:
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max
