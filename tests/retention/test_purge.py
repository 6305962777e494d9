from __future__ import annotations

import datetime
import logging

import pytest
from django.core import mail
from django.core.management import call_command

from documents.models import Document, PendingFileDeletion, TripKey, UploadLink
from packets.models import Packet, PaperCopy
from retention import deletion, files, purge
from retention.models import DeletionCertificate, SweepRun, SweepStatus
from schools.models import AuditEvent
from tests import factories
from tests.retention.conftest import filled_trip, vault_files
from trips.models import Participant, PurgeState, Trip


def test_sweep_purges_a_due_trip_and_keeps_roster_copies_and_audit(due_trip, settings):
    from documents import vault

    vault.data_key(due_trip.pk)  # exists before
    participants = Participant.objects.filter(trip=due_trip).count()
    assert len(vault_files(settings)) == 4

    report = purge.sweep()

    assert report.due == 1 and len(report.purged) == 1 and report.ok
    due_trip.refresh_from_db()
    assert due_trip.purge_state == PurgeState.PURGED and due_trip.purged_at is not None
    assert not TripKey.objects.filter(trip=due_trip).exists()
    assert not Document.objects.filter(participant__trip=due_trip).exists()
    assert not Packet.objects.filter(trip=due_trip).exists()
    assert not UploadLink.objects.filter(participant__trip=due_trip).exists()
    assert vault_files(settings) == []
    assert not PendingFileDeletion.objects.exists()
    # Kept: the trip, the roster, the paper-copy record (until shredded), the audit trail.
    assert Participant.objects.filter(trip=due_trip).count() == participants
    copy = PaperCopy.objects.get(trip=due_trip)
    assert copy.packet_id is None and copy.shredded_at is None
    certificate = DeletionCertificate.objects.get(trip=due_trip)
    assert (certificate.documents, certificate.pages, certificate.packets) == (3, 6, 1)
    assert certificate.files == 4 and certificate.upload_links == 3
    assert certificate.bytes == 3 * 109 + len(b"%PDF-1.7 packet")
    assert certificate.run_code == report.run
    actions = list(AuditEvent.objects.filter(trip_id=due_trip.pk).values_list("action", flat=True))
    assert actions.count("purge_started") == 1 and actions.count("purge_completed") == 1
    assert SweepRun.objects.get(code=report.run).status == SweepStatus.OK


def test_sweep_is_idempotent(due_trip):
    purge.sweep()
    again = purge.sweep()
    assert again.due == 0 and again.purged == [] and again.ok
    assert DeletionCertificate.objects.filter(trip=due_trip).count() == 1


def test_key_is_destroyed_before_any_row_is_deleted(due_trip, monkeypatch):
    seen = {}
    original = deletion.delete_trip_data

    def spy(trip_id):
        seen["key"] = TripKey.objects.filter(trip_id=trip_id).exists()
        seen["documents"] = Document.objects.filter(participant__trip_id=trip_id).count()
        return original(trip_id)

    monkeypatch.setattr(deletion, "delete_trip_data", spy)
    purge.sweep()
    assert seen == {"key": False, "documents": 3}


def test_trip_whose_purge_date_is_in_the_future_is_never_touched(school, settings):
    from tests.retention.conftest import ended_trip

    # Ended 3 days ago with 3 grace days: kept through today, purged from tomorrow 00:00 JST.
    trip = ended_trip(school, days_ago=3)
    document = factories.DocumentFactory(participant=factories.ParticipantFactory(trip=trip))
    assert purge.due_trip_ids() == []
    run = SweepRun.objects.create()
    assert purge.purge_trip(trip.pk, run=run) is None
    purge.sweep()
    trip.refresh_from_db()
    assert trip.purge_state == PurgeState.ACTIVE
    assert Document.objects.filter(pk=document.pk).exists()
    assert document.read_content().startswith(b"%PDF")


class Killed(BaseException):
    """A worker killed mid-purge: not an Exception, so nothing catches it."""


def test_crash_after_rows_are_deleted_before_files_next_sweep_finishes(
    due_trip, settings, monkeypatch
):
    def killed(**kwargs):
        raise Killed

    monkeypatch.setattr(purge, "remove_pending", killed)
    with pytest.raises(Killed):
        purge.sweep()
    monkeypatch.undo()

    due_trip.refresh_from_db()
    assert due_trip.purge_state == PurgeState.PURGED
    assert not Document.objects.filter(participant__trip=due_trip).exists()
    # The rows are gone but their files are still there, listed for deletion.
    assert len(vault_files(settings)) == 4
    assert PendingFileDeletion.objects.filter(trip_id=due_trip.pk).count() == 4

    report = purge.sweep()
    assert report.files_removed == 4 and report.ok
    assert vault_files(settings) == []
    assert not PendingFileDeletion.objects.exists()
    assert DeletionCertificate.objects.filter(trip=due_trip).count() == 1


def test_crash_inside_the_deletion_rolls_back_and_is_alerted_then_finished(
    due_trip, school_admin, monkeypatch, caplog, settings
):
    school_admin.email = "head@school.example.jp"
    school_admin.save()
    settings.ADMINS = [("ops", "ops@example.jp")]
    original = deletion.delete_trip_data

    def half_way(trip_id):
        original(trip_id)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(deletion, "delete_trip_data", half_way)
    with caplog.at_level(logging.ERROR, logger="retention"):
        report = purge.sweep()
    monkeypatch.undo()

    assert [f.error for f in report.failed] == ["runtimeerror"]
    due_trip.refresh_from_db()
    # Claimed and crypto-shredded; the deletion rolled back and waits for the next run.
    assert due_trip.purge_state == PurgeState.PURGING
    assert not TripKey.objects.filter(trip=due_trip).exists()
    assert Document.objects.filter(participant__trip=due_trip).count() == 3
    assert SweepRun.objects.get(code=report.run).status == SweepStatus.FAILED
    assert AuditEvent.objects.filter(trip_id=due_trip.pk, action="purge_failed").count() == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "disk on fire" not in caplog.text
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"head@school.example.jp", "ops@example.jp"} <= recipients
    assert all("disk on fire" not in message.body for message in mail.outbox)

    report = purge.sweep()
    assert report.ok and len(report.purged) == 1
    due_trip.refresh_from_db()
    assert due_trip.purge_state == PurgeState.PURGED
    assert not Document.objects.filter(participant__trip=due_trip).exists()
    assert vault_files(settings) == []
    assert DeletionCertificate.objects.get(trip=due_trip).documents == 3


def test_a_stopped_beat_catches_up_every_due_trip_once(school):
    trips = [filled_trip(school, participants=1, days_ago=days) for days in (4, 9, 30)]
    report = purge.sweep()
    assert sorted(o.trip_id for o in report.purged) == sorted(t.pk for t in trips)
    assert DeletionCertificate.objects.count() == 3
    assert purge.sweep().due == 0


def test_purge_expired_dry_run_counts_and_deletes_nothing(due_trip, settings, capsys):
    call_command("purge_expired", "--dry-run")
    out = capsys.readouterr().out
    assert f"would purge trip={due_trip.pk} documents=3 pages=6 packets=1" in out
    assert "dry_run=1" in out
    due_trip.refresh_from_db()
    assert due_trip.purge_state == PurgeState.ACTIVE
    assert len(vault_files(settings)) == 4
    assert TripKey.objects.filter(trip=due_trip).exists()

    call_command("purge_expired")
    out = capsys.readouterr().out
    assert f"purged trip={due_trip.pk} documents=3" in out
    assert Trip.objects.get(pk=due_trip.pk).purge_state == PurgeState.PURGED


def test_paper_copy_holders_are_asked_to_shred_after_the_purge(due_trip):
    due_trip.organiser.email = "teacher@school.example.jp"
    due_trip.organiser.save()
    purge.sweep()
    requests = [m for m in mail.outbox if "teacher@school.example.jp" in m.to]
    assert len(requests) == 1
    assert "/retention/paper-copies/" in requests[0].body


def test_pending_file_deletions_are_retried_until_they_succeed(due_trip, settings, monkeypatch):
    from documents import vault

    real_remove = vault.remove

    def flaky(name):
        raise OSError("storage unavailable")

    monkeypatch.setattr(vault, "remove", flaky)
    report = purge.sweep()
    assert report.files_pending == 4 and not report.ok
    assert PendingFileDeletion.objects.filter(attempts__gte=1).count() == 4
    monkeypatch.setattr(vault, "remove", real_remove)
    report = purge.sweep()
    assert report.files_removed == 4 and report.ok
    assert vault_files(settings) == []


def test_vault_reference_fields_cover_documents_and_packets():
    found = {(model._meta.label, field) for model, field in files.vault_reference_fields()}
    assert {("documents.Document", "storage_name"), ("packets.Packet", "storage_name")} <= found


def test_old_sweep_runs_are_pruned_but_certificates_keep_their_run_code(due_trip):
    import datetime

    from django.utils import timezone

    first = purge.sweep()
    SweepRun.objects.filter(code=first.run).update(
        started_at=timezone.now() - datetime.timedelta(days=91)
    )
    purge.sweep()
    assert not SweepRun.objects.filter(code=first.run).exists()
    assert DeletionCertificate.objects.get(trip=due_trip).run_code == first.run


def test_holders_are_reminded_daily_until_they_confirm_shredding(due_trip):
    from django.utils import timezone

    from retention.alerts import remind_outstanding_paper_copies

    due_trip.organiser.email = "teacher@school.example.jp"
    due_trip.organiser.save()
    purge.sweep()
    mail.outbox.clear()
    today = timezone.localdate()

    assert remind_outstanding_paper_copies(today) == 1
    assert len([m for m in mail.outbox if "teacher@school.example.jp" in m.to]) == 1
    # A second beat on the same day sends nothing more.
    assert remind_outstanding_paper_copies(today) == 0
    assert len(mail.outbox) == 1

    PaperCopy.objects.filter(trip=due_trip).update(shredded_at=timezone.now())
    assert remind_outstanding_paper_copies(today + datetime.timedelta(days=1)) == 0


def test_certificate_number_fits_any_trip_id(school):
    """A trip id of ten digits made the number outgrow its column on PostgreSQL (issue 14)."""
    big_id = 2**63 - 1  # the largest id a BigAutoField holds
    filled_trip(school, id=big_id)
    report = purge.sweep()
    assert report.ok and [outcome.trip_id for outcome in report.purged] == [big_id]
    certificate = DeletionCertificate.objects.get(trip_id=big_id)
    assert f"-{big_id}-" in certificate.number
    assert len(certificate.number) <= DeletionCertificate._meta.get_field("number").max_length
