"""E-mails to guardians: the invitation with the private link, and a rejection notice."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import translation

from schools.audit import record

from . import links
from .models import Document, UploadLink


def guardian_addresses(participant) -> list[str]:
    return sorted({g.email for g in participant.student.guardians.all() if g.email})


def deliver(template: str, context: dict, addresses: list[str]) -> int:
    """Render `documents/email/<template>.txt` and its subject in Japanese; one mail per address."""
    with translation.override("ja"):
        # One line of plain text: a line break (e.g. from a trip title) would make it invalid.
        subject = " ".join(
            render_to_string(f"documents/email/{template}_subject.txt", context).split()
        )
        body = render_to_string(f"documents/email/{template}.txt", context)
    send_mass_mail(
        [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses],
        fail_silently=False,
    )
    return len(addresses)


def send_invitation(link: UploadLink) -> int:
    participant = link.participant
    trip = participant.trip
    addresses = guardian_addresses(participant)
    if not addresses:
        return 0
    context = {
        "trip": trip,
        "student": participant.student,
        "url": links.url_for(link),
        "purge_after": trip.purge_after,
    }
    deliver("invitation", context, addresses)
    record(
        "invitation_sent",
        obj=participant,
        school=trip.school_id,
        trip=trip.pk,
        method="email",
        count=len(addresses),
    )
    return len(addresses)


def send_rejection(document: Document) -> int:
    participant = document.participant
    trip_open = links.is_open(participant.trip)
    link = links.ensure(participant) if trip_open else None
    addresses = guardian_addresses(participant)
    if not addresses:
        return 0
    context = {
        "trip": participant.trip,
        "student": participant.student,
        "reason": document.reject_reason,
        "url": links.url_for(link) if link else "",
    }
    return deliver("rejected", context, addresses)
