"""What the purge deletes for one trip, through the owning apps' deletion functions.

`retention` decides *when*; each app knows *how* to delete its own data (DESIGN.md §3). Vault
file names are queued here, in the deleting transaction, whatever the owners do with them, so
that the files go after the commit and are retried until they are gone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from documents.models import Document, UploadLink
from packets.models import Packet

from . import files

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass
class Removed:
    documents: int = 0
    packets: int = 0
    upload_links: int = 0
    files: int = 0


def _owner_function(module: str, name: str):
    """The owning app's deletion function, or None while it does not exist yet."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _delete_in_batches(queryset) -> int:
    """Delete rows a batch of ids at a time: memory stays bounded on a large trip."""
    total = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return total
        queryset.model._default_manager.filter(pk__in=ids).delete()
        total += len(ids)


# --- ADAPTER (remove when both owners' functions exist): direct deletes against the models,
# used only while documents.deletion.delete_trip_documents / packets.services.delete_trip_packets
# are missing. Dependent rows (previews, extracted fields) cascade from Document.
def _fallback_delete_documents(trip_id: int) -> int:
    return _delete_in_batches(Document.objects.filter(participant__trip_id=trip_id))


def _fallback_delete_packets(trip_id: int) -> int:
    # PaperCopy.packet is SET_NULL: printed copies outlive the packet until shredded.
    return _delete_in_batches(Packet.objects.filter(trip_id=trip_id))


# --- end of ADAPTER


def _vault_names(trip_id: int):
    for model, field in files.vault_reference_fields():
        if model is Document or getattr(model, "participant", None) is not None:
            lookup = "participant__trip_id"
        elif any(f.name == "trip" for f in model._meta.concrete_fields):
            lookup = "trip_id"
        elif any(f.name == "document" for f in model._meta.concrete_fields):
            lookup = "document__participant__trip_id"
        else:
            continue
        queryset = (
            model._default_manager.filter(**{lookup: trip_id})
            .exclude(**{field: ""})
            .values_list(field, flat=True)
        )
        yield from queryset.iterator(chunk_size=BATCH)


def delete_trip_data(trip_id: int) -> Removed:
    """Delete a trip's documents, packets and upload links; queue their vault files.

    Call inside the purge transaction. The trip, its participants (the roster), paper-copy
    records and the audit trail are kept.
    """
    removed = Removed()
    removed.files = files.queue_deletions(_vault_names(trip_id), trip_id=trip_id)

    delete_documents = _owner_function("documents.deletion", "delete_trip_documents")
    if delete_documents is not None:
        delete_documents(trip_id)
    removed.documents = _fallback_delete_documents(trip_id)  # no-op when the owner did it

    delete_packets = _owner_function("packets.services", "delete_trip_packets")
    if delete_packets is not None:
        delete_packets(trip_id)
    removed.packets = _fallback_delete_packets(trip_id)

    removed.upload_links = _delete_in_batches(
        UploadLink.objects.filter(participant__trip_id=trip_id)
    )
    return removed


def forget_cached(trip_id: int) -> int:
    """Delete cache keys derived from the trip (progress, previews): `trip:<id>:*` by convention.

    Task results are not stored at all (CELERY_TASK_IGNORE_RESULT, no result backend).
    """
    try:
        client = cache._cache.get_client(write=True)
    except AttributeError:  # not the Redis cache (some tests): nothing shared to clean
        return 0
    pattern = cache.make_key(f"trip:{trip_id}:*")
    count = 0
    for key in client.scan_iter(match=pattern, count=500):
        client.delete(key)
        count += 1
    return count
