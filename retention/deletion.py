"""What the purge deletes for one trip, through the owning apps' deletion functions.

`retention` decides *when*; each app knows *how* to delete its own data (DESIGN.md §3): the same
functions serve a guardian's withdrawal, a teacher's delete button and this purge. Vault file
names are queued here too, in the deleting transaction, so the files go after the commit and are
retried by every sweep until they are gone, whatever happens to the owners' on-commit removal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from documents.deletion import delete_trip_documents
from packets.services import delete_trip_packets

from . import files

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass
class Removed:
    documents: int = 0
    packets: int = 0
    files: int = 0


def _trip_lookup(model) -> str | None:
    """How rows of `model` that point into the vault find their trip."""
    names = {f.name for f in model._meta.concrete_fields}
    if "participant" in names:
        return "participant__trip_id"
    if "trip" in names:
        return "trip_id"
    if "document" in names:
        return "document__participant__trip_id"
    if "packet" in names:
        return "packet__trip_id"
    return None


def _vault_names(trip_id: int):
    for model, field in files.vault_reference_fields():
        lookup = _trip_lookup(model)
        if lookup is None:
            logger.warning("%s.%s has no path to a trip", model._meta.label, field)
            continue
        queryset = (
            model._default_manager.filter(**{lookup: trip_id})
            .exclude(**{field: ""})
            .values_list(field, flat=True)
        )
        yield from queryset.iterator(chunk_size=BATCH)


def delete_trip_data(trip_id: int) -> Removed:
    """Delete a trip's documents (with their upload links) and packets; queue their vault files.

    Call inside the purge transaction. The trip, its participants (the roster), paper-copy
    records, incident notes and the audit trail are kept.
    """
    queued = files.queue_deletions(_vault_names(trip_id), trip_id=trip_id)
    documents = delete_trip_documents(trip_id)
    packets = delete_trip_packets(trip_id)
    return Removed(
        documents=documents.get("documents", 0), packets=packets.get("packets", 0), files=queued
    )


def forget_cached(trip_id: int) -> int:
    """Delete cache keys derived from the trip (progress, previews): `trip:<id>:*` by convention.

    Task results are not stored at all (CELERY_TASK_IGNORE_RESULT, no result backend).
    """
    try:
        client = cache._cache.get_client(write=True)
    except AttributeError:  # not the Redis cache: nothing shared to clean
        return 0
    pattern = cache.make_key(f"trip:{trip_id}:*")
    count = 0
    for key in client.scan_iter(match=pattern, count=500):
        client.delete(key)
        count += 1
    return count
