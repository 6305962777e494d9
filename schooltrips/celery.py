"""The Celery app: Redis broker, JSON only, tasks enqueued after commit (DjangoTask)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schooltrips.settings")

app = Celery("schooltrips", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
