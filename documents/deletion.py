"""The one deletion path for documents: rows first, vault files after the commit.

Used by a guardian's withdrawal or replacement, by review, and by the retention purge. A file
whose removal fails is retried by a task; anything still left over (a crash between commit and
removal) is an orphan that the retention reconciliation removes after a safety age.
"""

from __future__ import annotations

import logging

from django.db import transaction

from . import vault
from .models import Document, UploadLink

log = logging.getLogger(__name__)


def remove_files(names: list[str]) -> list[str]:
    """Remove vault files now; returns the names that could not be removed."""
    failed = []
    for name in names:
        try:
            vault.remove(name)
        except Exception:
            log.warning("vault file removal failed; will retry", exc_info=True)
            failed.append(name)
    return failed


def _remove_after_commit(names: list[str]) -> None:
    def run():
        failed = remove_files(names)
        if failed:
            from .tasks import remove_vault_files

            remove_vault_files.delay(names=failed)

    if names:
        transaction.on_commit(run)


def delete_document(document: Document) -> None:
    """Delete one document's row, then (after commit) its vault file."""
    names = [document.storage_name] if document.storage_name else []
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).delete()
        _remove_after_commit(names)


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
        names = [name for _pk, name, _pages, _size in rows if name]
        Document.objects.filter(pk__in=[pk for pk, *_ in rows]).delete()
        UploadLink.objects.filter(participant__trip_id=trip_id).delete()
        _remove_after_commit(names)
    return {
        "documents": len(rows),
        "pages": sum(pages for *_, pages, _size in rows),
        "bytes": sum(size for *_, size in rows),
        "files": len(names),
    }


def document_storage_names() -> set[str]:
    """Names every document row points to (for the orphan reconciliation in retention)."""
    return set(Document.objects.exclude(storage_name="").values_list("storage_name", flat=True))
