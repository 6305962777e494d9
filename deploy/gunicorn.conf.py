"""Gunicorn settings for schooltrips (the Procfile and deploy/schooltrips-web.service use them).

Threaded workers: a slow or stalled client holds one thread, not a whole process, and gunicorn's
gthread worker hands a connection to a thread only once it has sent data. With the sync worker,
two anonymous clients trickling their headers stalled the site. In production put the buffering
proxy of deploy/nginx.conf in front as well: it reads whole headers and bodies under its own
timeouts before gunicorn sees a byte.
"""

import ctypes
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("PORT", "8000"))
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# A request that runs this long is stuck (uploads are capped at 10 MB and packet builds run in
# the worker): the worker is restarted.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Bounded request lines and headers: nothing legitimate comes near these.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
# Recycle workers now and then so that memory stays flat over a long season.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# Upload tokens in paths are redacted from the access log.
logger_class = "schools.gunicorn_logging.RedactingLogger"
# No runtime control socket: systemd manages the process, and a shared $HOME path would clash.
control_socket_disable = True


# glibc's malloc options (mallopt(3) numbers).
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8


def post_fork(server, worker) -> None:
    """Keep a worker's memory flat under uploads (measured in bench/bench_load.py).

    An upload is held in memory (2-10 MB, never on disk) by one of eight threads. By default glibc
    gives busy threads arenas of their own and, once such a buffer is freed, raises its mmap
    threshold to that size, so later uploads are carved out of the arenas and the freed pieces
    never go back to the system: RSS only grows. A fixed threshold sends every large buffer to
    mmap (returned as soon as it is freed) and two arenas bound the fragmentation of the rest.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: its allocator has its own policy
        return
    libc.mallopt(_M_ARENA_MAX, 2)
    libc.mallopt(_M_MMAP_THRESHOLD, 256 * 1024)
