from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import School
from students.models import Student

TOKYO = ZoneInfo("Asia/Tokyo")


class TripKind(models.TextChoices):
    SCHOOL_TRIP = "school_trip", _("School trip (修学旅行)")
    OVERNIGHT = "overnight", _("Overnight study (宿泊学習)")
    CLUB_CAMP = "club_camp", _("Club camp (部活動合宿)")
    AWAY_GAME = "away_game", _("Away game (遠征)")
    OTHER = "other", _("Other")


class PurgeState(models.TextChoices):
    ACTIVE = "active", _("Active")
    PURGING = "purging", _("Purging")
    PURGED = "purged", _("Purged")


class Trip(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="trips")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TripKind.choices)
    destination = models.CharField(_("destination"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_trips",
        verbose_name=_("teacher in charge"),
    )
    accompanying = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="accompanied_trips",
        blank=True,
        verbose_name=_("accompanying teachers"),
    )
    contact_phone = models.CharField(_("contact phone for hospitals"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    collecting_since = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    purge_state = models.CharField(
        max_length=10, choices=PurgeState.choices, default=PurgeState.ACTIVE, db_index=True
    )
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="trip_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def purge_after(self) -> datetime.date:
        """Documents are kept through this school date (Asia/Tokyo), purged from the next 00:00.

        A trip ending on 10 March with 3 grace days: purge_after is 13 March, due 14 March 00:00.
        A cancelled trip is due at once (its cancellation date).
        """
        if self.cancelled_at is not None:
            return timezone.localdate(self.cancelled_at)
        return self.end_date + datetime.timedelta(days=self.school.grace_days)

    @property
    def purge_due_at(self) -> datetime.datetime:
        if self.cancelled_at is not None:
            return self.cancelled_at
        day = self.purge_after + datetime.timedelta(days=1)
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=TOKYO)


class ParticipantState(models.TextChoices):
    NOT_REQUESTED = "not_requested", _("Not requested")
    LINK_SENT = "link_sent", _("Link sent")
    UPLOADED = "uploaded", _("Uploaded")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CARD_CARRIED = "card_carried", _("Carries My Number card")


class Participant(models.Model):
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="participants")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="participations")
    group_name = models.CharField(_("group"), max_length=50, blank=True)
    state = models.CharField(
        _("document state"),
        max_length=20,
        choices=ParticipantState.choices,
        default=ParticipantState.NOT_REQUESTED,
        db_index=True,
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["trip", "student"], name="student_once_per_trip")
        ]

    def __str__(self) -> str:
        return f"{self.trip_id}:{self.student_id}"


def today_in_tokyo() -> datetime.date:
    return timezone.localdate()
