"""Settings load from the environment both ways; production refuses missing secrets."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    base.update(
        {"DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "schooltrips.settings"}
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


SETUP = "import django; django.setup(); from django.conf import settings as s; "
PRINT_DB = SETUP + "print(s.DATABASES['default']['ENGINE'])"


def _production_env(**extra) -> dict:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "VAULT_KEYS": f"k1:{key}",
        "ALLOWED_HOSTS": "schooltrips.example.jp",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    env.update(extra)
    return env


def test_settings_default_to_sqlite_in_data_dir(tmp_path):
    result = _run(PRINT_DB, tmp_path, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"
    # Development secrets were generated once into DATA_DIR, private to the owner.
    secret = tmp_path / "data" / "secret_key"
    assert secret.exists() and (secret.stat().st_mode & 0o777) == 0o600
    assert (tmp_path / "data" / "vault_keys").exists()


def test_processes_starting_together_share_one_development_secret(tmp_path):
    """`make run` starts web, workers and beat at once on an empty DATA_DIR: none may crash on
    the secret another is writing, and all must end up with the same keys."""
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "VAULT_KEYS"}}
    base.update(DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="schooltrips.settings")
    code = (
        "import hashlib; from django.conf import settings as s;"
        " print(hashlib.sha256((s.SECRET_KEY + s.VAULT_KEYS).encode()).hexdigest())"
    )
    started = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=base,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [process.communicate(timeout=120) for process in started]
    assert [process.returncode for process in started] == [0] * 6, [err for _, err in results]
    assert len({out.strip() for out, _ in results}) == 1
    # Only the two secrets remain: no draft left behind by a process that lost the race.
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if p.is_file()) == [
        "secret_key",
        "vault_keys",
    ]


def test_a_secret_written_meanwhile_by_another_process_is_the_one_used(tmp_path):
    """The race `make run` hits: between "no file yet" and writing it, another process wins."""
    from schooltrips.settings import _development_secret

    folder = tmp_path / "secrets"
    folder.mkdir()
    path = folder / "secret_key"

    def make_while_another_process_wins() -> str:
        path.write_text("the winner's secret\n")
        return "the loser's secret"

    assert _development_secret(path, make_while_another_process_wins) == "the winner's secret"
    assert [p.name for p in folder.iterdir()] == ["secret_key"]


def test_settings_use_postgresql_when_database_url_is_set(tmp_path):
    result = _run(PRINT_DB, tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "VAULT_KEYS"])
def test_production_refuses_missing_secret(tmp_path, missing):
    env = _production_env()
    env[missing] = ""
    result = _run(PRINT_DB, tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_env_bool_rejects_junk(tmp_path):
    result = _run(PRINT_DB, tmp_path, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s" * 60)
    code = SETUP + "print(len(s.SECRET_KEY))"
    env = _production_env(SECRET_KEY="", SECRET_KEY_FILE=str(secret_file))
    result = _run(code, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60"


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "DATA_DIR": str(tmp_path / "data"), **_production_env()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_console_mail_backend(tmp_path):
    """It would print whole mails (links, names, rejection reasons) into the worker's log."""
    env = _production_env(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    result = _run(PRINT_DB, tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "ALLOW_CONSOLE_EMAIL" in result.stderr
    allowed = _run(PRINT_DB, tmp_path, **env, ALLOW_CONSOLE_EMAIL="1")
    assert allowed.returncode == 0, allowed.stderr


@pytest.mark.parametrize(("proxies", "expected"), [("0", "None"), ("1", "HTTP_X_FORWARDED_PROTO")])
def test_forwarded_proto_is_trusted_only_behind_a_proxy(tmp_path, proxies, expected):
    code = SETUP + "h = s.SECURE_PROXY_SSL_HEADER; print(h[0] if h else None)"
    result = _run(code, tmp_path, **_production_env(NUM_PROXIES=proxies))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("problem", "message"), [("missing", "cannot be read"), ("empty", "is empty")]
)
def test_unreadable_secret_file_names_the_variable(tmp_path, problem, message):
    secret_file = tmp_path / "vault_keys"
    if problem == "empty":
        secret_file.write_text("\n")
    # In development an empty or missing file used to fall back to a generated key silently.
    env = {"DJANGO_DEBUG": "1", "VAULT_KEYS": "", "VAULT_KEYS_FILE": str(secret_file)}
    result = _run(PRINT_DB, tmp_path, **env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: VAULT_KEYS_FILE={str(secret_file)!r} {message}" in result.stderr


def test_comma_lists_drop_blanks_and_spaces(tmp_path):
    code = SETUP + "print(s.ALLOWED_HOSTS, s.ADMINS)"
    env = _production_env(ALLOWED_HOSTS=" a.example.jp, ,b.example.jp,", ADMINS="ops@example.jp,")
    result = _run(code, tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['a.example.jp', 'b.example.jp'] [('ops', 'ops@example.jp')]"
