"""How long django-axes may keep what a login attempt typed and where it came from.

An attempt record holds the typed username (often a mistyped password or someone else's address)
and the client address. Lockout needs them only for AXES_COOLOFF_TIME; they are kept a day for
looking into an attack, then deleted by the hourly task. Successful logins are not recorded by
axes at all (AXES_DISABLE_ACCESS_LOG): the content-free audit trail records them.
"""

from __future__ import annotations

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone


def prune_login_records(now: datetime.datetime | None = None) -> int:
    """Delete lockout records older than LOGIN_RECORD_RETENTION; returns how many went."""
    cutoff = (now or timezone.now()) - settings.LOGIN_RECORD_RETENTION
    removed = 0
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        removed += model.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return removed
