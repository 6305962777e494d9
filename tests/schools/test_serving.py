"""Production serving: gunicorn as deploy/gunicorn.conf.py runs it, against slow clients."""

from __future__ import annotations

import http.client
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings

SLOW_CLIENTS = 4


def _start_gunicorn(tmp_path) -> tuple[subprocess.Popen, int]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_NAME")}
    env.update(DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="schooltrips.settings")
    gunicorn = [sys.executable, "-m", "gunicorn", "schooltrips.wsgi"]
    process = subprocess.Popen(
        [*gunicorn, "--config", "deploy/gunicorn.conf.py", "--bind", "127.0.0.1:0"],
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


def _trickle(port: int, stop: threading.Event, opened: list) -> None:
    """A client that sends its headers one line every half second and never finishes."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        opened.append(sock)
        while not stop.wait(0.5):
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                return


@pytest.mark.slow
def test_slow_header_clients_do_not_stall_the_site(tmp_path):
    process, port = _start_gunicorn(tmp_path)
    stop = threading.Event()
    opened: list = []
    slow = [
        threading.Thread(target=_trickle, args=(port, stop, opened), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    try:
        for thread in slow:
            thread.start()
        while len(opened) < SLOW_CLIENTS:
            time.sleep(0.1)
        time.sleep(1)  # the slow clients have been picked up and are trickling
        # With the old 2 sync workers this waited for the 120 s worker timeout.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/login/")
        response = connection.getresponse()
        assert response.status == 200
        assert b"<form" in response.read()
        # ...answered while every slow client was still holding its connection open.
        assert all(thread.is_alive() for thread in slow)
    finally:
        stop.set()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def test_gunicorn_settings_use_threads_and_bounded_requests():
    namespace = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert namespace["worker_class"] == "gthread" and namespace["threads"] > SLOW_CLIENTS
    assert namespace["logger_class"] == "schools.gunicorn_logging.RedactingLogger"
    assert namespace["limit_request_fields"] <= 100
