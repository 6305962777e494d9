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
        "letter_printed",
        "upload_accepted",
        "upload_refused",
        "card_declared",
        "document_viewed",
        "document_downloaded",
        "document_accepted",
        "document_rejected",
        "document_withdrawn",
        "document_deleted",
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
CODE_KEYS = frozenset({"kind", "reason", "state", "status", "method", "variant", "run"})
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
