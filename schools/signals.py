"""Login, logout and lockouts go to the audit trail (ids only; never the typed username)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .access import primary_membership
from .audit import record


def _membership_kwargs(user) -> dict:
    membership = primary_membership(user)
    if membership is None:
        return {}
    return {"role": membership.role, "school": membership.school_id}


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record("login", actor=user, **_membership_kwargs(user))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record("logout", actor=user, **_membership_kwargs(user))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    record("login_failed")


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    record("lockout")
