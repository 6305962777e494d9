"""The canary: marker strings through the whole life cycle, then no trace of them anywhere.

Unique markers go into the documents' text and their file names; guardians upload through the
real upload page (streamed to temp files, normalised in a child process, encrypted), a nurse
accepts them, a packet is built and stored (it carries the text again), one guardian withdraws,
then the trip ends and the sweep purges it. Afterwards the markers must not appear in any table
of the database, any file under DATA_DIR, the vault, the upload and packet temp dirs or the
system temp dir, any Redis key or value, the captured logs and output, or any e-mail.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from documents import links, review
from documents.models import Document
from packets import runner as packet_runner
from packets import services as packet_services
from packets.models import Packet
from retention import purge
from tests import factories
from tests.conftest import require_redis
from trips.models import PurgeState, Trip


def _pdf_with_text(text: str) -> bytes:
    """A one-page PDF whose (uncompressed) content stream shows `text` in Helvetica."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-q", "-", "-"], input=data, capture_output=True, timeout=60
    )
    return result.stdout.decode("utf-8", "replace")


def _hits_in_bytes(data: bytes, markers: list[str]) -> set[str]:
    found = set()
    variants = {m: (m.encode(), m.encode("utf-16-le"), m.encode("utf-16-be")) for m in markers}
    for marker, forms in variants.items():
        if any(form in data for form in forms):
            found.add(marker)
    if data[:5] == b"%PDF-" and not found:
        text = _pdf_text(data)
        found |= {m for m in markers if m in text}
    return found


def _database_hits(markers: list[str]) -> dict[str, set[str]]:
    """Every row of every table, as text and bytes (on SQLite the iterdump too)."""
    hits: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    blob = (
                        bytes(value)
                        if isinstance(value, (bytes, memoryview))
                        else str(value).encode()
                    )
                    found = _hits_in_bytes(blob, markers)
                    if found:
                        hits.setdefault(table, set()).update(found)
    if connection.vendor == "sqlite":
        dump = "\n".join(connection.connection.iterdump())
        found = {m for m in markers if m in dump}
        if found:
            hits.setdefault("<iterdump>", set()).update(found)
    return hits


def _file_hits(roots: list[Path], markers: list[str], since: float) -> dict[str, set[str]]:
    hits: dict[str, set[str]] = {}
    for root in roots:
        if not root.exists():
            continue
        for dirpath, _dirnames, filenames in os.walk(root):
            for name in filenames:
                path = Path(dirpath) / name
                found = {m for m in markers if m in name}
                try:
                    stat = path.stat()
                    if stat.st_mtime >= since - 1 and stat.st_size <= 50_000_000:
                        found |= _hits_in_bytes(path.read_bytes(), markers)
                except OSError:
                    continue
                if found:
                    hits[str(path)] = found
    return hits


def _redis_hits(markers: list[str]) -> dict[str, set[str]]:
    import redis

    hits: dict[str, set[str]] = {}
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == b"string":
            values = [client.get(key) or b""]
        elif kind == b"list":
            values = client.lrange(key, 0, -1)
        elif kind == b"hash":
            values = [b"%s=%s" % item for item in client.hgetall(key).items()]
        elif kind == b"set":
            values = list(client.smembers(key))
        elif kind == b"zset":
            values = client.zrange(key, 0, -1)
        else:
            values = []
        blob = key + b"\n" + b"\n".join(values)
        found = _hits_in_bytes(blob, markers)
        if found:
            hits[key.decode("utf-8", "replace")] = found
    return hits


@pytest.mark.slow
def test_no_trace_of_documents_after_the_purge(client, nurse, school_admin, school, caplog, capfd):
    require_redis()
    started = time.time()
    caplog.set_level(logging.DEBUG)
    tag = uuid.uuid4().hex[:12].upper()
    markers = [f"CANARYDOC{tag}", f"CANARYNAME{tag}", f"CANARYGONE{tag}"]

    trip = factories.TripFactory(school=school)  # collecting: starts in 30 days
    kept, withdrawn = (factories.ParticipantFactory(trip=trip) for _ in range(2))
    for participant, marker in ((kept, markers[0]), (withdrawn, markers[2])):
        token = links.token_for(links.issue(participant))
        upload = SimpleUploadedFile(
            f"{markers[1]}-hokensho.pdf", _pdf_with_text(marker), "application/pdf"
        )
        response = client.post(
            reverse("documents:upload", args=[token]),
            {"kind": "notice_copy", "file": upload, "consent": "on"},
        )
        assert response.status_code == 302, response.content[:300]
    # Positive control: the marker really is in what was stored, and the search can see it.
    document = Document.objects.get(participant=kept)
    assert markers[0] in _pdf_text(document.read_content())
    assert _hits_in_bytes(document.read_content(), markers) == {markers[0]}

    # The guardian of the second child withdraws: deleted at once, same deletion code.
    token = links.token_for(links.issue(withdrawn))
    response = client.post(reverse("documents:upload", args=[token]), {"action": "withdraw"})
    assert response.status_code == 302
    assert not Document.objects.filter(participant=withdrawn).exists()

    review.accept_document(document, nurse, role="nurse")
    packet = packet_runner.run_build(packet_services.request_build(trip, nurse, role="nurse").pk)
    assert packet is not None and packet.status == "done", packet and packet.error_code
    assert markers[0] in _pdf_text(packet_services.read_packet(packet))

    # The admin's pages show no content while the documents are held.
    client.force_login(school_admin)
    for name in ("retention:dashboard", "retention:audit_log", "retention:audit_csv"):
        response = client.get(reverse(name))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200
        assert not _hits_in_bytes(body, markers), name
        assert kept.student.name.encode() not in body, name
    client.logout()

    # The trip takes place and ends; its purge date passes.
    end = datetime.date.today() - datetime.timedelta(days=10)
    start = end - datetime.timedelta(days=2)
    Trip.objects.filter(pk=trip.pk).update(start_date=start, end_date=end)
    report = purge.sweep()
    assert [o.trip_id for o in report.purged] == [trip.pk] and report.ok
    assert Trip.objects.get(pk=trip.pk).purge_state == PurgeState.PURGED
    assert not Packet.objects.filter(trip=trip).exists()

    assert _database_hits(markers) == {}
    roots = [
        Path(settings.DATA_DIR),
        Path(settings.VAULT_DIR),
        Path(settings.FILE_UPLOAD_TEMP_DIR),
        Path(settings.PACKET_TEMP_DIR),
        Path(tempfile.gettempdir()),
    ]
    assert _file_hits(roots, markers, since=started) == {}
    assert _redis_hits(markers) == {}
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert [m for m in markers if m in logged] == []
    mailed = "\n".join(m.subject + m.body for m in mail.outbox)
    assert [m for m in markers if m in mailed] == []
