"""A packet built from documents kept on an S3-compatible store, and stored back there."""

from __future__ import annotations

from documents import vault
from packets import services
from packets.models import CachedCover, Packet, PacketStatus


def test_packet_reads_documents_from_and_stores_the_pdf_in_the_bucket(
    s3_vault, packet_trip, teacher, django_capture_on_commit_callbacks
):
    # s3_vault is set up before packet_trip, so the trip's documents are objects in the bucket.
    before = set(s3_vault.object_keys())
    assert len(before) == 3  # two PDFs and a photo
    with django_capture_on_commit_callbacks(execute=True):
        packet = services.request_build(packet_trip.trip, teacher)
    packet = Packet.objects.get(pk=packet.pk)
    assert packet.status == PacketStatus.DONE, packet.error_code
    # The packet and the trip's cached cover (packets/frontmatter.py), both in the bucket.
    covers = set(CachedCover.objects.values_list("storage_name", flat=True))
    assert len(covers) == 1
    assert set(s3_vault.object_keys()) == before | {packet.storage_name} | covers
    for name in (packet.storage_name, *covers):
        assert not s3_vault.read(name).startswith(b"%PDF")  # ciphertext in the store
    assert vault.load(packet.trip_id, packet.storage_name, aad=packet.aad).startswith(b"%PDF")
