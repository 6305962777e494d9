"""Gunicorn settings for the web process (`gunicorn -c deploy/gunicorn.conf.py schooltrips.wsgi`).

Used by `make run` (Procfile) and the systemd unit alike. Threaded workers (gthread): a slow or
stalled client holds one thread, not a whole worker, and gunicorn hands a connection that sends
nothing for a few seconds back to its poller; two slow connections no longer stall the site.
In production, put the buffering proxy of deploy/nginx.conf in front: it reads whole requests
within bounded header and body times before gunicorn sees them.
"""

import os

bind = f"{os.environ.get('WEB_BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
# A worker silent this long is restarted (long uploads and packet downloads stay well under).
timeout = 120
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so memory stays flat under a long evening of uploads.
max_requests = 2000
max_requests_jitter = 200
# Bounded request line and headers (gunicorn's defaults, stated here on purpose).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
logger_class = "schools.gunicorn_logging.RedactingLogger"
