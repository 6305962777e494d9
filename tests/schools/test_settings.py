"""Settings load from the environment both ways; production refuses missing secrets."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from schooltrips import datadir

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


PREFIX = "from django.core.management import execute_from_command_line; "
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


def _manage(tmp_path, *args: str, **env) -> subprocess.CompletedProcess:
    return _run(
        PREFIX + f"execute_from_command_line(['manage.py', *{list(args)!r}])", tmp_path, **env
    )


def test_importing_settings_creates_nothing(tmp_path):
    result = _run(PRINT_DB, tmp_path, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"
    assert not (tmp_path / "data").exists()


def test_prepare_data_dir_makes_private_folders_and_development_secrets_once(tmp_path):
    assert _manage(tmp_path, "prepare_data_dir", DJANGO_DEBUG="1").returncode == 0
    data = tmp_path / "data"
    assert sorted(p.name for p in data.iterdir()) == [
        "packet-work", "secret_key", "tmp", "vault", "vault_keys",
    ]  # fmt: skip
    assert {p.stat().st_mode & 0o777 for p in data.iterdir()} == {0o600, 0o700}
    assert data.stat().st_mode & 0o777 == 0o700
    secret = (data / "secret_key").read_text()
    # Run again (every `make run` does): the secrets are kept, or vault files become unreadable.
    assert _manage(tmp_path, "prepare_data_dir", DJANGO_DEBUG="1").returncode == 0
    assert (data / "secret_key").read_text() == secret
    code = SETUP + "print(s.SECRET_KEY)"
    assert _run(code, tmp_path, DJANGO_DEBUG="1").stdout.strip() == secret.strip()


def test_production_prepare_writes_no_secret(tmp_path):
    assert _manage(tmp_path, "prepare_data_dir", **_production_env()).returncode == 0
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["packet-work", "tmp", "vault"]


def test_an_unprepared_data_dir_is_a_system_check_error_naming_the_command(tmp_path):
    result = _manage(tmp_path, "check", DJANGO_DEBUG="1")
    assert result.returncode != 0
    assert "schools.E001" in result.stderr
    assert "SECRET_KEY, VAULT_KEYS missing" in result.stderr
    assert "manage.py prepare_data_dir" in result.stderr
    assert _manage(tmp_path, "prepare_data_dir", DJANGO_DEBUG="1").returncode == 0
    assert _manage(tmp_path, "check", DJANGO_DEBUG="1").returncode == 0


def test_processes_preparing_together_share_one_development_secret(tmp_path):
    """Two machines' units (or `make run` beside a test) may prepare one DATA_DIR at once: none
    may crash on the secret another is writing, and all must end up with the same keys."""
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "VAULT_KEYS"}}
    base.update(DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="schooltrips.settings")
    code = (
        "import hashlib; from django.core.management import call_command; import django;"
        " django.setup(); call_command('prepare_data_dir', verbosity=0);"
        " from schooltrips import datadir; from django.conf import settings as s;"
        " keys = [datadir.read_secret(s.DATA_DIR / name)"
        "         for name in (datadir.SECRET_KEY_FILE, datadir.VAULT_KEYS_FILE)];"
        " print(hashlib.sha256(repr(keys).encode()).hexdigest())"
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
    """The race: between "no file yet" and writing it, another process wins."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    path = folder / "secret_key"

    def make_while_another_process_wins() -> str:
        path.write_text("the winner's secret\n")
        return "the loser's secret"

    assert datadir.write_secret_once(path, make_while_another_process_wins) == "the winner's secret"
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
