"""Gunicorn settings for schooltrips (the Procfile and deploy/schooltrips-web.service use them).

Threaded workers: a slow or stalled client holds one thread, not a whole process, and gunicorn's
gthread worker hands a connection to a thread only once it has sent data. With the sync worker,
two anonymous clients trickling their headers stalled the site. In production put the buffering
proxy of deploy/nginx.conf in front as well: it reads whole headers and bodies under its own
timeouts before gunicorn sees a byte.
"""

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
