"""The cached cover: reused while its text holds, replaced (old file removed) when it changes."""

from __future__ import annotations

import io

import pypdf
import pytest

from documents import vault
from packets import frontmatter
from packets.builder import build_packet
from packets.models import CachedCover
from tests.packets import samples

pytestmark = pytest.mark.slow


def _cover_text(built) -> str:
    return pypdf.PdfReader(io.BytesIO(built.path.read_bytes())).pages[0].extract_text()


def _spawns(monkeypatch) -> list:
    started = []
    original = frontmatter._spawn_renderer

    def counting():
        process = original()
        started.append(process)
        return process

    monkeypatch.setattr(frontmatter, "_spawn_renderer", counting)
    monkeypatch.setattr(frontmatter, "_spare", None)
    return started


def test_a_second_build_reuses_the_cover_without_rendering(packet_trip, monkeypatch):
    started = _spawns(monkeypatch)
    with build_packet(packet_trip.trip) as first:
        first_text = _cover_text(first)
    assert not first.cover_cached and len(started) == 1
    with build_packet(packet_trip.trip) as second:
        assert _cover_text(second) == first_text
    assert second.cover_cached and len(started) == 1  # no WeasyPrint this time


def test_the_cached_cover_is_encrypted_under_the_trip_key(packet_trip, settings):
    with build_packet(packet_trip.trip):
        pass
    cached = CachedCover.objects.get(trip=packet_trip.trip)
    raw = (settings.VAULT_DIR / cached.storage_name).read_bytes()
    assert not raw.startswith(b"%PDF") and "修学旅行".encode() not in raw
    plain = vault.load(packet_trip.trip.pk, cached.storage_name, aad=cached.aad)
    assert plain.startswith(b"%PDF")


def test_a_change_on_the_cover_renders_it_again_and_removes_the_old_one(
    packet_trip, settings, monkeypatch, django_capture_on_commit_callbacks
):
    started = _spawns(monkeypatch)
    with build_packet(packet_trip.trip):
        pass
    old = CachedCover.objects.get(trip=packet_trip.trip)
    # A new document changes the counts on the cover.
    samples.add_document(packet_trip.missing, samples.photo(seed=4), kind="notice_copy")
    with django_capture_on_commit_callbacks(execute=True), build_packet(packet_trip.trip) as built:
        assert not built.cover_cached
        assert "未提出 0 名" in _cover_text(built).replace("\n", "")
    assert len(started) == 2
    new = CachedCover.objects.get(trip=packet_trip.trip)
    assert new.html_sha256 != old.html_sha256
    assert not (settings.VAULT_DIR / old.storage_name).exists()
    assert (settings.VAULT_DIR / new.storage_name).exists()


def test_a_trip_title_change_invalidates_the_cover(packet_trip, monkeypatch):
    started = _spawns(monkeypatch)
    with build_packet(packet_trip.trip):
        pass
    trip = packet_trip.trip
    trip.title = "修学旅行 奈良"
    trip.save()
    with build_packet(trip) as built:
        assert "修学旅行 奈良" in _cover_text(built)
    assert len(started) == 2


def test_a_group_packet_has_its_own_cover(packet_trip):
    with build_packet(packet_trip.trip):
        pass
    with build_packet(packet_trip.trip, group_name="2班") as built:
        assert "（2班）" in _cover_text(built)
    assert sorted(
        CachedCover.objects.filter(trip=packet_trip.trip).values_list("group_name", flat=True)
    ) == ["", "2班"]


def test_an_unreadable_cached_cover_is_rendered_again(packet_trip, settings):
    with build_packet(packet_trip.trip):
        pass
    cached = CachedCover.objects.get(trip=packet_trip.trip)
    (settings.VAULT_DIR / cached.storage_name).write_bytes(b"garbage")
    with build_packet(packet_trip.trip) as built:
        assert not built.cover_cached
        assert "厚生労働省" in _cover_text(built)
