"""System checks: a DATA_DIR that `manage.py prepare_data_dir` has not prepared is named, with
the command that fixes it, before the site fails on its first upload or session."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def _missing_secrets() -> list[str]:
    missing = []
    try:
        settings.SECRET_KEY  # noqa: B018 (Django raises on access when it is empty)
    except ImproperlyConfigured:
        missing.append("SECRET_KEY")
    if not settings.VAULT_KEYS:
        missing.append("VAULT_KEYS")
    return missing


@checks.register(checks.Tags.compatibility)
def data_dir_prepared(app_configs, **kwargs) -> list[checks.CheckMessage]:
    upload_temp = Path(settings.FILE_UPLOAD_TEMP_DIR)
    missing = [] if upload_temp.is_dir() else [str(upload_temp)]
    missing += _missing_secrets() if settings.DEBUG else []
    if not missing:
        return []
    return [
        checks.Error(
            f"DATA_DIR {settings.DATA_DIR} is not prepared: {', '.join(missing)} missing",
            hint="Run `python manage.py prepare_data_dir` (`make run` does).",
            id="schools.E001",
        )
    ]
