"""Thin Celery tasks: ids in, one service call, nothing personal in arguments or results."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task

from . import mail, reminders
from .models import Document, Reminder, UploadLink

log = logging.getLogger(__name__)


@shared_task(
    name="documents.send_invitation",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=6,
    ignore_result=True,
)
def send_invitation(*, link_id: int) -> None:
    link = UploadLink.objects.live().filter(pk=link_id).first()
    if link is None:
        log.info("invitation skipped: link %s gone or revoked", link_id)
        return
    mail.send_invitation(link)


@shared_task(
    name="documents.send_rejection",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=6,
    ignore_result=True,
)
def send_rejection(*, document_id: int) -> None:
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        log.info("rejection notice skipped: document %s gone", document_id)
        return
    mail.send_rejection(document)


@shared_task(name="documents.send_deadline_reminders", ignore_result=True)
def send_deadline_reminders() -> None:
    queued = reminders.sweep()
    log.info("deadline reminders queued: %d", queued)


@shared_task(
    name="documents.send_reminder",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=6,
    ignore_result=True,
)
def send_reminder(*, reminder_id: int) -> None:
    reminder = Reminder.objects.filter(pk=reminder_id).first()
    if reminder is None:
        log.info("reminder skipped: %s gone", reminder_id)
        return
    reminders.send(reminder)
