"""Every path that ends a document or a packet: rows gone now, vault files gone after the commit.

These tests need no Redis: nothing here touches the cache.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from documents import deletion, intake, vault
from documents.models import Document, PendingFileDeletion, UploadLink
from packets import services as packet_services
from packets.models import Packet
from retention import purge
from schools.models import School
from tests import factories
from tests.documents import files
from trips import services as trip_services
from trips.models import Participant

pytestmark = pytest.mark.django_db


def _exists(name: str) -> bool:
    return vault.storage().exists(name)


@pytest.fixture
def participant(school):
    trip = factories.TripFactory(school=school)
    return factories.ParticipantFactory(trip=trip)


def test_withdrawal_removes_the_file_only_after_commit(
    participant, django_capture_on_commit_callbacks
):
    document = factories.DocumentFactory(participant=participant)
    with django_capture_on_commit_callbacks(execute=True):
        assert intake.withdraw(participant) == 1
        assert _exists(document.storage_name)  # the transaction may still roll back
    assert not Document.objects.exists()
    assert not _exists(document.storage_name)
    assert not PendingFileDeletion.objects.exists()


def test_replacement_removes_the_older_file_after_commit(
    participant, django_capture_on_commit_callbacks
):
    older = factories.DocumentFactory(participant=participant)
    with django_capture_on_commit_callbacks(execute=True):
        newer = intake.accept(participant, "notice", files.png_image())
    assert list(Document.objects.values_list("pk", flat=True)) == [newer.pk]
    assert not _exists(older.storage_name)
    assert _exists(newer.storage_name)


def test_removing_a_participant_deletes_documents_links_and_files(
    participant, teacher, django_capture_on_commit_callbacks
):
    document = factories.DocumentFactory(participant=participant)
    factories.UploadLinkFactory(participant=participant)
    with django_capture_on_commit_callbacks(execute=True):
        trip_services.remove_participant(participant, actor=teacher)
        assert _exists(document.storage_name)
    assert not Participant.objects.exists()
    assert not Document.objects.exists() and not UploadLink.objects.exists()
    assert not _exists(document.storage_name)


def test_any_participant_delete_goes_through_the_deletion_path(
    participant, django_capture_on_commit_callbacks
):
    """A cascade (the trip's participants deleted in bulk) takes the same path."""
    document = factories.DocumentFactory(participant=participant)
    with django_capture_on_commit_callbacks(execute=True):
        Participant.objects.filter(pk=participant.pk).delete()
    assert not _exists(document.storage_name)


def test_cancelled_trip_is_purged_and_its_files_removed(
    participant, teacher, django_capture_on_commit_callbacks
):
    document = factories.DocumentFactory(participant=participant)
    packet = factories.PacketFactory(trip=participant.trip)
    # The cancellation enqueues the purge on commit; the purge removes files after its own.
    with django_capture_on_commit_callbacks(execute=True):
        trip_services.cancel(participant.trip, actor=teacher)
    assert not Document.objects.exists() and not Packet.objects.exists()
    assert not _exists(document.storage_name)
    assert not _exists(packet.storage_name)


def test_purge_removes_files_after_commit(participant, django_capture_on_commit_callbacks):
    from tests.retention.conftest import ended_trip

    trip = ended_trip(participant.trip.school)
    document = factories.DocumentFactory(participant=factories.ParticipantFactory(trip=trip))
    packet = factories.PacketFactory(trip=trip)
    run = purge.SweepRun.objects.create(trigger="test")
    with django_capture_on_commit_callbacks(execute=True):
        assert purge.purge_trip(trip.pk, run=run) is not None
    assert not _exists(document.storage_name)
    assert not _exists(packet.storage_name)
    assert not PendingFileDeletion.objects.exists()


def test_deleting_a_packet_removes_its_file_after_commit(
    participant, teacher, django_capture_on_commit_callbacks
):
    """A rebuild replaces a packet by deleting the old one: its file must not stay."""
    old = factories.PacketFactory(trip=participant.trip)
    factories.PacketFactory(trip=participant.trip)
    with django_capture_on_commit_callbacks(execute=True):
        packet_services.delete_packet(old, actor=teacher)
        assert _exists(old.storage_name)
    assert not _exists(old.storage_name)
    assert Packet.objects.count() == 1


def test_a_failed_removal_stays_pending_and_the_sweep_retries_it(
    participant, monkeypatch, django_capture_on_commit_callbacks
):
    document = factories.DocumentFactory(participant=participant)
    real_remove, attempts = vault.remove, []

    def down(name):
        attempts.append(name)
        raise OSError("storage unavailable")

    monkeypatch.setattr(vault, "remove", down)
    with django_capture_on_commit_callbacks(execute=True):
        deletion.delete_document(document)
    assert attempts == [document.storage_name]
    pending = PendingFileDeletion.objects.get()
    assert (pending.storage_name, pending.attempts) == (document.storage_name, 1)
    assert deletion.pending_count([participant.trip_id]) == 1

    monkeypatch.setattr(vault, "remove", real_remove)
    report = purge.sweep()
    assert report.files_removed == 1 and report.ok
    assert not _exists(document.storage_name)
    assert not PendingFileDeletion.objects.exists()


def test_a_rolled_back_deletion_keeps_row_and_file(participant):
    from django.db import transaction

    document = factories.DocumentFactory(participant=participant)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        deletion.delete_document(document)
        raise Abort
    assert Document.objects.filter(pk=document.pk).exists()
    assert not PendingFileDeletion.objects.exists()
    assert _exists(document.storage_name)


@pytest.mark.parametrize("model", [Document, School])
def test_admin_offers_no_delete_of_documents_or_schools(model, admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
