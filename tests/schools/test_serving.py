"""Production serving: gunicorn as deploy/gunicorn.conf.py runs it, against slow clients."""

from __future__ import annotations

import http.client
import runpy
import socket
import threading
import time

import pytest
from django.conf import settings

from tests import servers

SLOW_CLIENTS = 4


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
    process, port = servers.start_gunicorn(servers.site_env(tmp_path / "data"))
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
        connection.close()
        # ...answered while every slow client was still holding its connection open.
        assert all(thread.is_alive() for thread in slow)
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=10)
        servers.stop(process)


def test_gunicorn_settings_use_threads_and_bounded_requests():
    namespace = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert namespace["worker_class"] == "gthread" and namespace["threads"] > SLOW_CLIENTS
    assert namespace["logger_class"] == "schools.gunicorn_logging.RedactingLogger"
    assert namespace["limit_request_fields"] <= 100
