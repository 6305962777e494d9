"""Requesting, running, storing, staleness, paper copies and deletion of packets."""

from __future__ import annotations

import pytest

from documents import vault
from documents.models import Document
from packets import runner, services
from packets.models import BuildPhase, CachedCover, Packet, PacketStatus, PaperCopy
from schools.models import AuditEvent
from tests.packets import samples

pytestmark = pytest.mark.slow


def _build(trip, user, django_capture_on_commit_callbacks, **kwargs) -> Packet:
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.request_build(trip, user, role="teacher", **kwargs)
    packet.refresh_from_db()
    return packet


def _document_names(trip) -> set[str]:
    return set(
        Document.objects.filter(participant__trip=trip).values_list("storage_name", flat=True)
    )


def test_a_requested_build_runs_and_is_stored_encrypted(
    packet_trip, teacher, django_capture_on_commit_callbacks, settings
):
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    assert packet.status == PacketStatus.DONE
    assert packet.pages == 6 and packet.built_by == teacher and packet.finished_at
    # Front matter, 3 documents, join, storing: the whole bar, in the last phase.
    assert (packet.progress_done, packet.progress_total) == (6, 6)
    assert packet.progress_phase == "storing"
    raw = (settings.VAULT_DIR / packet.storage_name).read_bytes()
    assert b"%PDF" not in raw[:64]  # only ciphertext on disk
    assert services.read_packet(packet).startswith(b"%PDF")
    actions = list(
        AuditEvent.objects.filter(trip_id=packet.trip_id).values_list("action", flat=True)
    )
    assert "packet_requested" in actions and "packet_built" in actions


def test_the_password_is_used_once_and_not_kept(
    packet_trip, teacher, django_capture_on_commit_callbacks, settings
):
    packet = _build(
        packet_trip.trip, teacher, django_capture_on_commit_callbacks, password="secret-123"
    )
    assert packet.status == PacketStatus.DONE and packet.password_protected
    assert packet.password_storage_name == ""
    files = {
        str(p.relative_to(settings.VAULT_DIR)) for p in settings.VAULT_DIR.rglob("*") if p.is_file()
    }
    cover = CachedCover.objects.get(trip=packet_trip.trip).storage_name
    # The documents, the packet and the cached cover; the password's vault file is gone.
    assert files == {*_document_names(packet_trip.trip), packet.storage_name, cover}


def test_a_changed_document_marks_the_packet_stale(
    packet_trip, teacher, django_capture_on_commit_callbacks
):
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    assert not services.is_stale(packet)
    samples.add_document(packet_trip.missing, samples.photo(seed=3), kind="notice_copy")
    assert services.is_stale(packet)


def test_a_withdrawn_document_marks_the_packet_stale(
    packet_trip, teacher, django_capture_on_commit_callbacks
):
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    packet_trip.photo.documents.all().delete()
    assert services.is_stale(packet)


def test_a_group_packet_is_not_stale_from_another_group(
    packet_trip, teacher, django_capture_on_commit_callbacks
):
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks, group_name="2班")
    samples.add_document(packet_trip.missing, samples.photo(seed=3), kind="notice_copy")  # 1班
    assert not services.is_stale(packet)


def test_a_failed_build_says_why(packet_trip, teacher, django_capture_on_commit_callbacks):
    document = packet_trip.pdf_two.documents.get()
    document.pages = 5
    document.save()
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    assert packet.status == PacketStatus.FAILED
    assert packet.error_code == "page_count_mismatch"
    assert packet.storage_name == ""
    event = AuditEvent.objects.get(action="packet_failed")
    assert event.details == {"reason": "page_count_mismatch"}


def test_paper_copies_are_numbered_per_trip(
    packet_trip, teacher, nurse, django_capture_on_commit_callbacks
):
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    first = services.register_paper_copies(packet, teacher, copies=2, holder=teacher)
    second = services.register_paper_copies(packet, nurse, copies=1, holder=nurse)
    assert [c.copy_number for c in first + second] == [1, 2, 3]
    assert PaperCopy.objects.filter(trip=packet_trip.trip, shredded_at=None).count() == 3
    assert AuditEvent.objects.filter(action="paper_copy_registered").count() == 3
    printed = AuditEvent.objects.filter(action="packet_printed").order_by("pk")
    assert [e.details["count"] for e in printed] == [2, 1]


def test_delete_trip_packets_removes_rows_then_files_and_keeps_paper_copies(
    packet_trip, teacher, django_capture_on_commit_callbacks, settings
):
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    services.register_paper_copies(packet, teacher, copies=1, holder=teacher)
    path = settings.VAULT_DIR / packet.storage_name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.delete_trip_packets(packet_trip.trip.pk)
    assert counts == {"packets": 1, "files": 1, "bytes": packet.size}
    assert not Packet.objects.exists()
    assert not path.exists()
    assert PaperCopy.objects.get().packet is None  # still to be shredded


def test_delete_packet_removes_its_file_after_commit(
    packet_trip, teacher, django_capture_on_commit_callbacks, settings
):
    packet = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    path = settings.VAULT_DIR / packet.storage_name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.delete_packet(packet, actor=teacher, role="teacher")
    assert path.exists()  # not before the commit
    for callback in callbacks:
        callback()
    assert not path.exists()
    assert AuditEvent.objects.filter(action="packet_deleted").count() == 1


def test_a_packet_deleted_while_building_leaves_no_file(
    packet_trip, teacher, settings, monkeypatch
):
    packet = Packet.objects.create(trip=packet_trip.trip, built_by=teacher)
    original = runner.build_packet

    def build_then_delete(*args, **kwargs):
        built = original(*args, **kwargs)
        Packet.objects.filter(pk=packet.pk).delete()
        return built

    monkeypatch.setattr(runner, "build_packet", build_then_delete)
    assert runner.run_build(packet.pk) is None
    files = {
        str(p.relative_to(settings.VAULT_DIR)) for p in settings.VAULT_DIR.rglob("*") if p.is_file()
    }
    cover = CachedCover.objects.get(trip=packet_trip.trip).storage_name
    # The documents and the trip's cached cover: no packet file outlived its row.
    assert files == {*_document_names(packet_trip.trip), cover}


def test_a_cancelled_trip_is_not_built(packet_trip, teacher, django_capture_on_commit_callbacks):
    from django.utils import timezone

    trip = packet_trip.trip
    packet = Packet.objects.create(trip=trip, built_by=teacher)
    trip.cancelled_at = timezone.now()
    trip.save()
    packet = runner.run_build(packet.pk)
    assert packet.status == PacketStatus.FAILED and packet.error_code == "trip_closed"


def test_a_build_logs_no_names_or_document_text(
    packet_trip, teacher, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    caplog.set_level("DEBUG")
    _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks, password="pw-secret-9")
    # The failure path: the build breaks after every document was read and placed.
    original = runner.build_packet

    def breaks_at_the_end(trip, **kwargs):
        def progress(phase, done, total):
            kwargs["progress"](phase, done, total)
            if phase == BuildPhase.JOIN:
                raise RuntimeError("disk full")

        return original(trip, **{**kwargs, "progress": progress})

    monkeypatch.setattr(runner, "build_packet", breaks_at_the_end)
    failed = _build(packet_trip.trip, teacher, django_capture_on_commit_callbacks)
    assert (failed.status, failed.error_code) == (PacketStatus.FAILED, "internal_error")
    failures = [r for r in caplog.records if r.exc_info and "failed" in r.getMessage()]
    assert len(failures) == 1  # the failure path did log, with its traceback
    text = caplog.text
    assert "RuntimeError: disk full" in text
    for secret in ("青木", "井上", "上田", "マーカー", "pw-secret-9", "06131234"):
        assert secret not in text


def test_a_purge_starting_mid_build_fails_the_build_as_closed(packet_trip, teacher, monkeypatch):
    """The purge destroys the trip's key while the build runs: 'trip closed', no traceback."""
    packet = Packet.objects.create(trip=packet_trip.trip, built_by=teacher)
    original = runner.build_packet

    def build_then_purge_starts(*args, **kwargs):
        built = original(*args, **kwargs)
        vault.destroy_data_key(packet_trip.trip.pk)
        packet_trip.trip.__class__.objects.filter(pk=packet_trip.trip.pk).update(
            purge_state="purging"
        )
        return built

    monkeypatch.setattr(runner, "build_packet", build_then_purge_starts)
    packet = runner.run_build(packet.pk)
    assert packet.status == PacketStatus.FAILED
    assert packet.error_code == "trip_closed"
    assert packet.storage_name == ""
