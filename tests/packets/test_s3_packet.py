"""A packet built from documents kept on an S3-compatible store, and stored back there."""

from __future__ import annotations

from documents import vault
from packets import services
from packets.models import Packet, PacketStatus


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
    assert set(s3_vault.object_keys()) == before | {packet.storage_name}
    blob = s3_vault.read(packet.storage_name)
    assert not blob.startswith(b"%PDF")  # ciphertext in the store
    assert vault.load(packet.trip_id, packet.storage_name, aad=packet.aad).startswith(b"%PDF")
