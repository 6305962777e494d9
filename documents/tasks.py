"""Thin Celery tasks: ids in, one service call, nothing personal in arguments or results."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(
    name="documents.send_invitation",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=6,
    ignore_result=True,
)
def send_invitation(*, link_id: int) -> None:
    from . import mail
    from .models import UploadLink

    link = UploadLink.objects.filter(pk=link_id, revoked_at__isnull=True).first()
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
    from . import mail
    from .models import Document

    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        log.info("rejection notice skipped: document %s gone", document_id)
        return
    mail.send_rejection(document)
