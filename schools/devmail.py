"""The development e-mail backend: says that a mail would be sent, never what it says.

Django's console backend prints whole mails (the guardian's private link, the child's name, a
teacher's rejection reason) into the worker's output, which ends up in log files. This backend
logs one line per message with its recipient count only; the links are printed by
`manage.py upload_links` or on the trip's letters when a developer needs one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger("schooltrips.mail")


class LogOnlyEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            log.info(
                "mail not sent (development backend): %d recipient(s)", len(message.recipients())
            )
        return len(email_messages)
