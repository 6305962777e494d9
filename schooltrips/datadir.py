"""The layout of DATA_DIR, and the one step that creates it (`manage.py prepare_data_dir`).

Settings only compute these paths and read what is there: importing them creates nothing. The
folders (and, in development, the secrets) are made by `prepare`, which `make run`, the deploy
units and the test harness call before any process of the site starts.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
VAULT_KEYS_FILE = "vault_keys"


def vault_dir(data_dir: Path) -> Path:
    return data_dir / "vault"


def upload_temp_dir(data_dir: Path) -> Path:
    """Where Django spools uploads larger than memory (FILE_UPLOAD_TEMP_DIR)."""
    return data_dir / "tmp"


def packet_temp_dir(data_dir: Path) -> Path:
    """Plaintext pages of packet builds, one folder per trip (packets/work.py), so the purge
    and the sweep can find what a killed build left behind."""
    return data_dir / "packet-work"


def read_secret(path: Path) -> str | None:
    """A development secret written by `prepare`, or None when it has not been made yet."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def write_secret_once(path: Path, make: Callable[[], str]) -> str:
    """Write a secret unless one is there, and return the one that is.

    Several processes may prepare one DATA_DIR at once (two app servers starting): the file is
    written whole under a private name and linked into place, so a process that loses the race
    reads the winner's secret, never a half-written file.
    """
    if not path.exists():
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(make() + "\n")
            os.link(draft, path)
        except FileExistsError:
            pass  # another process linked its secret first: everyone uses that one
        finally:
            os.unlink(draft)
    return path.read_text(encoding="utf-8").strip()


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_vault_keys() -> str:
    return "dev1:" + base64.b64encode(secrets.token_bytes(32)).decode()


def prepare(data_dir: Path, *, development: bool) -> None:
    """Create DATA_DIR's private folders; in development also its secrets, once.

    Development secrets live in DATA_DIR so restarts keep sessions and vault files readable;
    production never gets them (SECRET_KEY and VAULT_KEYS come from its environment).
    """
    for folder in (data_dir, vault_dir(data_dir), upload_temp_dir(data_dir)):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    packet_temp_dir(data_dir).mkdir(mode=0o700, exist_ok=True)
    if development:
        write_secret_once(data_dir / SECRET_KEY_FILE, new_secret_key)
        write_secret_once(data_dir / VAULT_KEYS_FILE, new_vault_keys)
