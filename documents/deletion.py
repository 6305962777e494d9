"""The one way rows that point into the vault end, and the one way their files go.

Every path that ends a document (a guardian's withdrawal or replacement, a participant's
removal, the retention purge) calls `delete_document` or `delete_trip_documents`; packets call
`discard_files` the same way. The deleting transaction records each vault name as a
PendingFileDeletion; the files are removed after the commit; a removal that fails stays
recorded and is retried by every purge sweep (retention) until it succeeds, and the retention
dashboard shows what is still pending. A file saved whose row never committed is an orphan that
the retention reconciliation removes after a safety age.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import models, transaction

from . import vault
from .models import Document, PendingFileDeletion, UploadLink

log = logging.getLogger(__name__)

BATCH = 500


def discard_files(names: Iterable[str], *, trip_id: int | None) -> int:
    """Record vault files to remove once the current transaction commits; returns how many.

    Call inside the transaction that deletes the rows pointing to them: if it rolls back, the
    records roll back with it and the files stay.
    """
    names = sorted({name for name in names if name})
    for start in range(0, len(names), BATCH):
        PendingFileDeletion.objects.bulk_create(
            [
                PendingFileDeletion(storage_name=n, trip_id=trip_id)
                for n in names[start : start + BATCH]
            ],
            ignore_conflicts=True,
        )
    if names:
        transaction.on_commit(lambda: remove_pending(names=names))
    return len(names)


def remove_pending(
    *, trip_id: int | None = None, names: list[str] | None = None
) -> tuple[int, int]:
    """Remove recorded vault files; returns (removed, still pending). Missing counts as removed.

    With no argument, every pending file (the sweep's retry); a failure is counted on its record
    and left for the next sweep.
    """
    queryset = PendingFileDeletion.objects.order_by("pk")
    if trip_id is not None:
        queryset = queryset.filter(trip_id=trip_id)
    if names is not None:
        queryset = queryset.filter(storage_name__in=names)
    removed = failed = 0
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            break
        last_pk = batch[-1].pk
        done = []
        for pending in batch:
            try:
                vault.remove(pending.storage_name)
            except Exception as exc:  # a storage hiccup: keep it for the next sweep
                failed += 1
                PendingFileDeletion.objects.filter(pk=pending.pk).update(
                    attempts=models.F("attempts") + 1
                )
                log.warning("vault file removal failed (%s); will retry", type(exc).__name__)
            else:
                done.append(pending.pk)
        PendingFileDeletion.objects.filter(pk__in=done).delete()
        removed += len(done)
    return removed, failed


def pending_count(trip_ids: models.QuerySet | list[int]) -> int:
    """Vault files of these trips whose rows are gone but which are not removed yet."""
    return PendingFileDeletion.objects.filter(trip_id__in=trip_ids).count()


def delete_document(document: Document) -> None:
    """Delete one document's row; its vault file goes after the commit."""
    with transaction.atomic():
        trip_id = (
            Document.objects.filter(pk=document.pk)
            .values_list("participant__trip_id", flat=True)
            .first()
        )
        if trip_id is None:
            return  # already gone (a concurrent withdrawal or the purge)
        discard_files([document.storage_name], trip_id=trip_id)
        Document.objects.filter(pk=document.pk).delete()


def delete_participant_documents(participant_id: int, trip_id: int) -> int:
    """A participant's documents and upload links, before the participant row goes."""
    with transaction.atomic():
        documents = Document.objects.filter(participant_id=participant_id)
        discard_files(documents.values_list("storage_name", flat=True), trip_id=trip_id)
        count, _ = documents.delete()
        UploadLink.objects.filter(participant_id=participant_id).delete()
    return count


def delete_trip_documents(trip_id: int) -> dict[str, int]:
    """Every document and upload link of a trip; counts for the deletion certificate.

    Returns {"documents", "pages", "bytes", "files"}. Idempotent: a second run counts zeros.
    """
    with transaction.atomic():
        rows = list(
            Document.objects.select_for_update()
            .filter(participant__trip_id=trip_id)
            .values_list("pk", "storage_name", "pages", "size")
        )
        files = discard_files([name for _pk, name, _pages, _size in rows], trip_id=trip_id)
        Document.objects.filter(pk__in=[pk for pk, *_ in rows]).delete()
        UploadLink.objects.filter(participant__trip_id=trip_id).delete()
    return {
        "documents": len(rows),
        "pages": sum(pages for *_, pages, _size in rows),
        "bytes": sum(size for *_, size in rows),
        "files": files,
    }
