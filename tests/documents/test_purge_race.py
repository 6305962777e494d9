"""An upload that finishes while the trip is locked or purged leaves nothing behind (no key,
no file, no row): the purge must be able to promise that everything is gone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from documents import intake, pdfsafe, vault
from documents.models import Document, TripKey
from schools.models import AuditEvent
from trips.models import Participant, ParticipantState, PurgeState, Trip

from . import files


def _vault_files(settings):
    return [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()]


def _nothing_left(participant, settings, *, key_expected=False):
    assert not Document.objects.exists()
    assert _vault_files(settings) == []
    assert TripKey.objects.filter(trip_id=participant.trip_id).exists() is key_expected
    assert Participant.objects.get(pk=participant.pk).state != ParticipantState.UPLOADED
    event = AuditEvent.objects.filter(action="upload_refused").latest("id")
    assert event.details["reason"] == "closed"


@pytest.mark.parametrize("state", [PurgeState.PURGING, PurgeState.PURGED])
def test_data_key_is_not_created_for_a_trip_being_purged(participant, state):
    Trip.objects.filter(pk=participant.trip_id).update(purge_state=state)
    with pytest.raises(vault.VaultError):
        vault.data_key(participant.trip_id, create=True)
    assert not TripKey.objects.exists()


@pytest.mark.parametrize("state", [PurgeState.PURGING, PurgeState.PURGED])
def test_upload_to_a_trip_marked_purged_stores_nothing(participant, settings, state):
    # The purge started after the view loaded the trip: the in-memory trip still says active.
    Trip.objects.filter(pk=participant.trip_id).update(purge_state=state)
    with pytest.raises(intake.Refusal) as caught:
        intake.accept(participant, "notice", files.png_image())
    assert caught.value.code == "closed"
    _nothing_left(participant, settings)


def test_purge_starting_during_the_pdf_step_leaves_nothing(participant, settings, monkeypatch):
    # An earlier upload made the trip's key; the purge destroys it while the PDF is normalised.
    vault.data_key(participant.trip_id, create=True)
    real = pdfsafe.normalise

    def purge_meanwhile(data):
        result = real(data)
        Trip.objects.filter(pk=participant.trip_id).update(purge_state=PurgeState.PURGING)
        vault.destroy_data_key(participant.trip_id)
        return result

    monkeypatch.setattr(pdfsafe, "normalise", purge_meanwhile)
    with pytest.raises(intake.Refusal) as caught:
        intake.accept(participant, "portal_pdf", files.blank_pdf())
    assert caught.value.code == "closed"
    _nothing_left(participant, settings)


def test_lock_during_the_pdf_step_refuses_and_removes_the_file(participant, settings, monkeypatch):
    real = pdfsafe.normalise

    def lock_meanwhile(data):
        result = real(data)
        Trip.objects.filter(pk=participant.trip_id).update(locked_at=timezone.now())
        return result

    monkeypatch.setattr(pdfsafe, "normalise", lock_meanwhile)
    with pytest.raises(intake.Refusal) as caught:
        intake.accept(participant, "portal_pdf", files.blank_pdf())
    assert caught.value.code == "closed"
    # The trip is locked, not purged: its key stays for the documents already accepted.
    _nothing_left(participant, settings, key_expected=True)


def test_card_declaration_on_a_trip_being_purged_is_refused(participant):
    Trip.objects.filter(pk=participant.trip_id).update(purge_state=PurgeState.PURGING)
    with pytest.raises(intake.Refusal):
        intake.declare_card(participant)
    assert not Document.objects.exists()
    event = AuditEvent.objects.filter(action="upload_refused").latest("id")
    assert event.details["reason"] == "closed"
