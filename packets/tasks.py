"""Thin Celery task: build one packet (ids only; progress and outcome live on the Packet row)."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_process_init

from .frontmatter import warm_up
from .runner import run_build

# A 320-participant build takes seconds; these only stop a stuck build from holding a worker.
SOFT_TIME_LIMIT = 300
TIME_LIMIT = 360


@worker_process_init.connect
def _warm_up_for_builds(**kwargs) -> None:
    # Each worker process loads the PDF libraries once and keeps a cover renderer ready.
    warm_up()


@shared_task(
    name="packets.build",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def build(*, packet_id: int) -> None:
    run_build(packet_id)
