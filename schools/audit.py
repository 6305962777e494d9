"""The content-free audit trail.

Every event is one of ACTIONS, and its details may only use the keys in DETAIL_KEYS with
integers, booleans, dates or short lowercase codes as values. A name, file name, token or
insurance number cannot fit through: free text is refused, not masked.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

ACTIONS: frozenset[str] = frozenset(
    {
        # accounts
        "login",
        "login_failed",
        "logout",
        "lockout",
        # access
        "access_denied",
        # roster and trips
        "student_created",
        "student_changed",
        "student_deactivated",
        "roster_imported",
        "trip_created",
        "trip_changed",
        "trip_locked",
        "trip_unlocked",
        "trip_cancelled",
        "participants_added",
        "participant_removed",
        "groups_assigned",
        # documents
        "link_created",
        "link_revoked",
        "invitation_sent",
        "reminders_sent",
        "links_exported",
        "tripday_viewed",
        "letter_printed",
        "upload_accepted",
        "upload_refused",
        "card_declared",
        "document_viewed",
        "document_downloaded",
        "document_accepted",
        "document_rejected",
        "document_withdrawn",
        "keys_rotated",
        # packets
        "packet_requested",
        "packet_built",
        "packet_failed",
        "packet_downloaded",
        "packet_printed",
        "packet_deleted",
        "paper_copy_registered",
        "paper_copy_shredded",
        # retention
        "purge_started",
        "purge_completed",
        "purge_failed",
        "orphans_removed",
        "certificate_viewed",
        "incident_recorded",
        "audit_exported",
    }
)

# What the audit log page shows for each action; the CSV export keeps the codes (machine-readable).
# Ordered by domain, like ACTIONS, so that the filter's dropdown groups related actions.
ACTION_LABELS: dict[str, str] = {
    "login": _("ログイン"),
    "login_failed": _("ログイン失敗"),
    "logout": _("ログアウト"),
    "lockout": _("ログインの一時停止"),
    "access_denied": _("アクセス拒否"),
    "student_created": _("生徒の登録"),
    "student_changed": _("生徒の変更"),
    "student_deactivated": _("生徒の無効化"),
    "roster_imported": _("名簿の取り込み"),
    "trip_created": _("旅行の作成"),
    "trip_changed": _("旅行の変更"),
    "trip_locked": _("旅行のロック"),
    "trip_unlocked": _("旅行のロック解除"),
    "trip_cancelled": _("旅行中止"),
    "participants_added": _("参加者の追加"),
    "participant_removed": _("参加者の除外"),
    "groups_assigned": _("班分け"),
    "link_created": _("提出用リンクの発行"),
    "link_revoked": _("提出用リンクの無効化"),
    "invitation_sent": _("案内メールの送信"),
    "reminders_sent": _("督促メールの送信"),
    "links_exported": _("提出用リンクの書き出し"),
    "tripday_viewed": _("当日画面での書類の提示"),
    "letter_printed": _("案内文の印刷"),
    "upload_accepted": _("提出の受付"),
    "upload_refused": _("提出の拒否"),
    "card_declared": _("カード持参の申告"),
    "document_viewed": _("書類の閲覧"),
    "document_downloaded": _("書類のダウンロード"),
    "document_accepted": _("書類の受理"),
    "document_rejected": _("書類の差し戻し"),
    "document_withdrawn": _("書類の取り下げ"),
    "keys_rotated": _("暗号鍵の更新"),
    "packet_requested": _("提示用書類一式の作成依頼"),
    "packet_built": _("提示用書類一式の作成完了"),
    "packet_failed": _("提示用書類一式の作成失敗"),
    "packet_downloaded": _("提示用書類一式のダウンロード"),
    "packet_printed": _("提示用書類一式の印刷"),
    "packet_deleted": _("提示用書類一式の削除"),
    "paper_copy_registered": _("印刷物の登録"),
    "paper_copy_shredded": _("印刷物の裁断"),
    "purge_started": _("削除開始"),
    "purge_completed": _("削除完了"),
    "purge_failed": _("削除失敗"),
    "orphans_removed": _("不要ファイルの削除"),
    "certificate_viewed": _("削除証明書の閲覧"),
    "incident_recorded": _("受診記録の作成"),
    "audit_exported": _("監査記録の書き出し"),
}

# The recorded object's model name (`_meta.model_name`) as the page shows it.
OBJECT_TYPE_LABELS: dict[str, str] = {
    "school": _("学校"),
    "student": _("生徒"),
    "trip": _("旅行"),
    "participant": _("参加者"),
    "uploadlink": _("提出用リンク"),
    "document": _("書類"),
    "packet": _("提示用書類一式"),
    "papercopy": _("印刷物"),
    "deletioncertificate": _("削除証明書"),
    "incidentnote": _("受診記録"),
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def object_type_label(object_type: str) -> str:
    """A label for a model name; an unknown one is shown as its code, never hidden."""
    return OBJECT_TYPE_LABELS.get(object_type, object_type)


# Each detail key has one type: a count, a flag, a date, or a short machine code.
COUNT_KEYS = frozenset(
    {
        "count",
        "added",
        "updated",
        "removed",
        "documents",
        "packets",
        "pages",
        "bytes",
        "files",
        "group_count",
        "copy_number",
    }
)
FLAG_KEYS = frozenset({"password", "dry_run"})
DATE_KEYS = frozenset({"date"})
CODE_KEYS = frozenset({"kind", "reason", "cause", "state", "status", "method", "variant", "run"})
DETAIL_KEYS: frozenset[str] = COUNT_KEYS | FLAG_KEYS | DATE_KEYS | CODE_KEYS

# Codes are short machine words; anything with spaces, capitals or non-ASCII is refused.
_CODE = re.compile(r"^[a-z0-9_\-]{0,40}$")


class AuditDetailError(ValueError):
    pass


def _clean_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in FLAG_KEYS and isinstance(value, bool):
        return value
    if key in COUNT_KEYS and isinstance(value, int) and not isinstance(value, bool):
        # Long digit runs could be a My Number, an insurer or phone number: never a count.
        if abs(value) >= 10**10:
            raise AuditDetailError(f"audit detail {key!r}: number too large to be a count")
        return value
    if key in DATE_KEYS and isinstance(value, datetime.date):
        return value.isoformat()
    if (
        key in CODE_KEYS
        and isinstance(value, str)
        and _CODE.match(value)
        and not re.search(r"\d{6,}", value)
    ):
        return value
    raise AuditDetailError(f"audit detail {key!r}: wrong type or not a short code")


def clean_details(details: dict[str, Any]) -> dict[str, Any]:
    unknown = set(details) - DETAIL_KEYS
    if unknown:
        raise AuditDetailError(f"audit detail keys not allowed: {sorted(unknown)}")
    return {key: _clean_value(key, value) for key, value in details.items()}


def record(
    action: str,
    *,
    actor: Any = None,
    role: str = "",
    obj: models.Model | None = None,
    school: Any = None,
    trip: Any = None,
    **details: Any,
) -> AuditEvent:
    """Append one event. `school` and `trip` may be instances or ids."""
    if action not in ACTIONS:
        raise AuditDetailError(f"unknown audit action {action!r}")
    actor_id = getattr(actor, "pk", actor) if actor is not None else None
    if actor_id is not None and not getattr(actor, "is_authenticated", True):
        actor_id = None
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor_id,
        actor_role=role if _CODE.match(role or "") else "",
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        school_id=getattr(school, "pk", school),
        trip_id=getattr(trip, "pk", trip),
        details=clean_details(details),
    )
