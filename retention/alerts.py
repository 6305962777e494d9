"""Alerts and requests sent by the purge: failures (log at ERROR, e-mail) and shredding requests.

Bodies carry trip ids, short codes, counts and links; never names, file names or numbers read
from documents.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import mail_admins, send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from packets.models import PaperCopy
from schools.audit import record
from schools.models import Membership, Role
from trips.models import PurgeState, Trip

logger = logging.getLogger(__name__)


def _school_admin_emails(school_id: int) -> list[str]:
    return [
        email
        for email in Membership.objects.filter(school_id=school_id, role=Role.ADMIN)
        .values_list("user__email", flat=True)
        .distinct()
        if email
    ]


def _dashboard_url() -> str:
    return settings.SITE_URL + reverse("retention:dashboard")


def purge_failed(trip_id: int, *, code: str, run: str) -> None:
    """A trip's purge raised: ERROR log, audit event, e-mail to the school's admins and ops."""
    logger.error("purge failed: trip=%s error=%s run=%s", trip_id, code, run)
    school_id = Trip.objects.filter(pk=trip_id).values_list("school_id", flat=True).first()
    record("purge_failed", school=school_id, trip=trip_id, run=run, reason=code)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[schooltrips] 書類の削除に失敗しました（旅行 #%(trip)s）") % {"trip": trip_id}
        body = _(
            "旅行 #%(trip)s の書類の自動削除に失敗しました（理由コード: %(code)s、実行: %(run)s）。"
            "次回の定期処理で再試行します。状況は管理画面で確認してください: %(url)s"
        ) % {"trip": trip_id, "code": code, "run": run, "url": _dashboard_url()}
    _send(subject, body, _school_admin_emails(school_id) if school_id else [])


def files_pending(count: int, *, run: str) -> None:
    logger.error("vault file deletions pending after sweep: count=%s run=%s", count, run)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[schooltrips] 暗号化ファイルの削除が残っています")
        body = _(
            "削除済みの書類の暗号化ファイル %(count)s 件を消去できませんでした（実行: %(run)s）。"
            "次回の定期処理で再試行します: %(url)s"
        ) % {"count": count, "run": run, "url": _dashboard_url()}
    _send(subject, body, [])


def _send(subject: str, body: str, recipients: list[str]) -> None:
    # Alerting must never break the sweep itself.
    try:
        mail_admins(subject, body, fail_silently=True)
        if recipients:
            send_mail(subject, body, None, recipients, fail_silently=True)
    except Exception as exc:
        logger.error("alert e-mail could not be sent (%s)", type(exc).__name__)


def ask_to_shred_paper_copies(trip: Trip) -> int:
    """E-mail each teacher still holding printed copies of the purged trip; returns copies."""
    outstanding = list(PaperCopy.objects.outstanding().filter(trip=trip).select_related("holder"))
    by_holder: dict[int, list] = {}
    for copy in outstanding:
        by_holder.setdefault(copy.holder_id, []).append(copy)
    url = settings.SITE_URL + reverse("retention:paper_copies")
    for copies in by_holder.values():
        holder = copies[0].holder
        if not holder.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[schooltrips] 印刷物の裁断確認のお願い")
            body = _(
                "「%(title)s」の書類は削除されました。お手元の印刷物 %(count)s 部"
                "（部数番号: %(numbers)s）を裁断し、次のページで裁断を確認してください: %(url)s"
            ) % {
                "title": trip.title,
                "count": len(copies),
                "numbers": ", ".join(str(c.copy_number) for c in copies),
                "url": url,
            }
        _send_to_holder(subject, body, holder.email)
    return len(outstanding)


def _send_to_holder(subject: str, body: str, email: str) -> None:
    try:
        send_mail(subject, body, None, [email], fail_silently=True)
    except Exception as exc:
        logger.error("shredding request could not be sent (%s)", type(exc).__name__)


def remind_outstanding_paper_copies(today=None) -> int:
    """The daily reminder: ask again for every purged trip whose printed copies are not shredded.

    At most once per school day, even if two beats run (a cache flag marks the day as done).
    Returns how many trips were reminded about.
    """
    today = today or timezone.localdate()
    if not cache.add(f"retention:shred-reminder:{today.isoformat()}", 1, timeout=2 * 86400):
        return 0
    trips = Trip.objects.filter(
        purge_state=PurgeState.PURGED,
        pk__in=PaperCopy.objects.outstanding().values("trip_id"),
    )
    count = 0
    for trip in trips:
        ask_to_shred_paper_copies(trip)
        count += 1
    return count
