"""Slow clients do not stall the site: gunicorn as deployed (deploy/gunicorn.conf.py).

Issue 14: with two sync workers, two connections that trickle their headers held both workers
and every other visitor waited for the 120 s timeout.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

SLOW_CLIENTS = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _trickle(port: int, stop: threading.Event) -> None:
    """A slowloris client: the request head one header a second, never finished."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not stop.wait(1.0):
                sock.sendall(b"X-Slow: 1\r\n")
    except OSError:
        pass  # the server may close us: that is fine too


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not start")


@pytest.mark.slow
def test_slow_header_clients_do_not_stall_the_site(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update(DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="schooltrips.settings")
    env.pop("PYTEST_VERSION", None)
    root = Path(settings.BASE_DIR)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=root, timeout=300
    )
    assert migrate.returncode == 0
    port = _free_port()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", "deploy/gunicorn.conf.py", "schooltrips.wsgi"],
        env={**env, "PORT": str(port)}, cwd=root,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stop = threading.Event()
    clients = [threading.Thread(target=_trickle, args=(port, stop)) for _ in range(SLOW_CLIENTS)]
    try:
        _wait_until_up(port, server)
        for client in clients:
            client.start()
        time.sleep(2)  # the slow clients now hold whatever they can
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=20) as r:
            assert r.status == 200
            assert "Permissions-Policy" in r.headers
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
        server.terminate()
        server.wait(timeout=30)
