"""`manage.py build_packet` builds through the same code path and leaves no plaintext behind."""

from __future__ import annotations

import io
import stat

import pypdf
import pytest
from django.core.management import CommandError, call_command

from packets.builder import BuildError, build_packet

pytestmark = pytest.mark.slow


def _leftovers(settings) -> list:
    from pathlib import Path

    return list(Path(settings.FILE_UPLOAD_TEMP_DIR).glob("packet-*"))


def test_build_packet_command_writes_a_private_pdf(packet_trip, tmp_path, settings):
    output = tmp_path / "out.pdf"
    stdout = io.StringIO()
    call_command(
        "build_packet",
        str(packet_trip.trip.pk),
        "--group",
        "1班",
        "--output",
        str(output),
        stdout=stdout,
    )
    reader = pypdf.PdfReader(output)
    assert len(reader.pages) == 4  # cover, index, 青木 (1 page), 上田 (photo)
    assert "青木 一郎" in reader.pages[2].extract_text()
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert "4 pages" in stdout.getvalue()
    assert _leftovers(settings) == []


def test_build_packet_command_refuses_unknown_trips_and_groups(packet_trip, tmp_path):
    with pytest.raises(CommandError):
        call_command("build_packet", "999999", "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError):
        call_command(
            "build_packet",
            str(packet_trip.trip.pk),
            "--group",
            "9班",
            "--output",
            str(tmp_path / "x.pdf"),
        )


def test_the_temp_dir_is_removed_after_success_and_failure(packet_trip, settings):
    with build_packet(packet_trip.trip) as built:
        assert built.path.exists()
        assert sorted(p.name for p in built.path.parent.iterdir()) == ["packet.pdf"]
    assert _leftovers(settings) == []
    document = packet_trip.pdf_two.documents.get()
    document.pages = 1
    document.save()
    with pytest.raises(BuildError):
        build_packet(packet_trip.trip)
    assert _leftovers(settings) == []
