"""Real app servers for tests: gunicorn as deploy/gunicorn.conf.py runs it, on loopback ports."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings

from schooltrips import datadir


def site_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a process of a test site (SQLite in data_dir, the shared Redis).

    data_dir is prepared as `make run` prepares var/ (folders, development secrets), since the
    site's settings create nothing themselves.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update(DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="schooltrips.settings", **extra)
    datadir.prepare(Path(data_dir), development=env.get("DJANGO_DEBUG", "1") != "0")
    return env


def start_gunicorn(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """Start gunicorn on a free port (bound by gunicorn itself); returns the process and port."""
    command = [sys.executable, "-m", "gunicorn", "schooltrips.wsgi"]
    process = subprocess.Popen(
        [*command, "--config", "deploy/gunicorn.conf.py", "--bind", "127.0.0.1:0"],
        env=env,
        cwd=settings.BASE_DIR,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    port = None
    for line in process.stderr:
        match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
        if "Booting worker" in line:
            break
    assert port, "gunicorn did not start"
    # Keep draining its log so that it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
    return process, port


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None and not pipe.closed:
            pipe.close()
