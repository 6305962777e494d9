"""Guardians' private upload links: one live link per participant, stored only as a hash.

token = base64url(HMAC-SHA256(key, nonce))[:32] (≥ 128 bits). The database keeps the nonce and
SHA-256(token); the key is derived from SECRET_KEY, so a database dump opens no upload page,
while the server can print the same link again (upload_links, letters, e-mail reminders).
Task arguments carry link ids, never tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from trips.models import Participant, ParticipantState, Trip
from trips.services import mark_collecting

from .models import UploadLink

TOKEN_CHARS = 32  # 192 bits of base64url


def _derive(nonce: str) -> str:
    digest = salted_hmac("documents.upload-link", nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_CHARS]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(link: UploadLink) -> str:
    return _derive(link.nonce)


def url_for(link: UploadLink) -> str:
    return settings.SITE_URL + reverse("documents:upload", args=[token_for(link)])


def is_open(trip: Trip) -> bool:
    """Links answer until the trip ends or is locked (never for a cancelled or purged one)."""
    return trip.accepts_guardian_changes


def current_link(participant: Participant) -> UploadLink | None:
    return participant.upload_links.live().order_by("-pk").first()


@transaction.atomic
def issue(participant: Participant) -> UploadLink:
    """A fresh link; any older live link of this participant is revoked.

    The participant row is locked first, so a double-clicked reissue runs one after the other
    and leaves one live link (the database refuses a second one either way).
    """
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    participant.upload_links.live().update(revoked_at=timezone.now())
    nonce = secrets.token_hex(16)
    link = UploadLink.objects.create(
        participant=participant, nonce=nonce, token_hash=hash_token(_derive(nonce))
    )
    if participant.state == ParticipantState.NOT_REQUESTED:
        participant.state = ParticipantState.LINK_SENT
        participant.save(update_fields=["state"])
    # The first link turns the trip from 準備中 into 収集中.
    mark_collecting(participant.trip)
    return link


def ensure(participant: Participant) -> UploadLink:
    return current_link(participant) or issue(participant)


def revoke(participant: Participant) -> int:
    return participant.upload_links.live().update(revoked_at=timezone.now())


def resolve(token: str) -> UploadLink | None:
    """The live link for this token, or None (unknown, revoked, or its trip is closed)."""
    if not token or len(token) != TOKEN_CHARS:
        return None
    link = (
        UploadLink.objects.select_related(
            "participant__trip__school", "participant__student", "participant__trip__organiser"
        )
        .live()
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None or not hmac.compare_digest(token_for(link), token):
        return None
    if not is_open(link.participant.trip):
        return None
    return link


def links_for_trip(trip: Trip) -> list[tuple[Participant, UploadLink]]:
    """Every participant of the trip in roster order with a live link (created when missing).

    A fixed number of queries whatever the class size: live links and guardians are prefetched
    (letters and invitations read both), missing links are made in one INSERT.
    """
    participants = list(
        Participant.objects.filter(trip=trip)
        .select_related("student")
        .prefetch_related(
            Prefetch(
                "upload_links",
                queryset=UploadLink.objects.live().order_by("-pk"),
                to_attr="live_links",
            ),
            "student__guardians",
        )
        .in_roster_order()
    )
    missing = [p for p in participants if not p.live_links]
    if missing:
        _issue_many(trip, missing)
    return [(participant, participant.live_links[0]) for participant in participants]


@transaction.atomic
def _issue_many(trip: Trip, participants: list[Participant]) -> None:
    """First links for participants that have none (what `issue` does, in bulk).

    The rows are locked and re-read, so a link issued meanwhile is kept, not doubled.
    """
    ids = [p.pk for p in participants]
    list(Participant.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
    meanwhile = {
        link.participant_id: link
        for link in UploadLink.objects.live().filter(participant_id__in=ids)
    }
    for participant in participants:
        if participant.pk in meanwhile:
            participant.live_links = [meanwhile[participant.pk]]
    participants = [p for p in participants if p.pk not in meanwhile]
    new = []
    for participant in participants:
        nonce = secrets.token_hex(16)
        new.append(
            UploadLink(participant=participant, nonce=nonce, token_hash=hash_token(_derive(nonce)))
        )
    UploadLink.objects.bulk_create(new)  # returns primary keys (PostgreSQL, SQLite >= 3.35)
    waiting = [p for p in participants if p.state == ParticipantState.NOT_REQUESTED]
    if waiting:
        Participant.objects.filter(
            pk__in=[p.pk for p in waiting], state=ParticipantState.NOT_REQUESTED
        ).update(state=ParticipantState.LINK_SENT)
    for participant, link in zip(participants, new, strict=True):
        participant.live_links = [link]
        if participant.state == ParticipantState.NOT_REQUESTED:
            participant.state = ParticipantState.LINK_SENT
    mark_collecting(trip)
