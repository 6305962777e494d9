"""The Celery app: Redis broker, JSON only, tasks enqueued after commit (DjangoTask)."""

import logging
import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schooltrips.settings")

app = Celery("schooltrips", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(loglevel=None, logfile=None, **kwargs) -> None:
    """Worker and beat log through settings.LOGGING, redaction filter included.

    Without a receiver for this signal Celery installs its own handlers on the root logger, which
    lack the filter that keeps tokens and long digit runs out of the web's logs. `--logfile` and
    `--loglevel` still apply: the file gets the same filters and format as the console.
    """
    dictConfig(settings.LOGGING)
    root = logging.getLogger()
    if logfile:
        console = root.handlers[0] if root.handlers else None
        handler = logging.FileHandler(logfile, encoding="utf-8")
        for log_filter in console.filters if console else ():
            handler.addFilter(log_filter)
        if console is not None:
            handler.setFormatter(console.formatter)
        root.addHandler(handler)
    if loglevel:
        root.setLevel(loglevel)
