"""Orphan reconciliation: vault files that no row points to.

A file lives exactly as long as its row (STYLE.md §5). Deleting rows records their files as
PendingFileDeletion (documents/deletion.py), removed after the commit and retried by each sweep;
reconciliation removes what nothing points to at all (e.g. an upload that crashed between saving
the file and committing its row).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Iterator

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from documents import vault
from documents.models import PendingFileDeletion

logger = logging.getLogger(__name__)

BATCH = 500


def _batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def vault_reference_fields() -> list[tuple[type[models.Model], str]]:
    """Every `*storage_name` field of every model: the rows that point into the vault."""
    found = []
    for model in apps.get_models():
        if model is PendingFileDeletion:
            continue
        for field in model._meta.concrete_fields:
            if field.name.endswith("storage_name"):
                found.append((model, field.name))
    return found


def _walk(storage, path: str = "") -> Iterator[str]:
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from _walk(storage, f"{path}/{directory}" if path else directory)


def _referenced(names: list[str], fields) -> set[str]:
    found: set[str] = set()
    for model, field in fields:
        found.update(
            model._default_manager.filter(**{f"{field}__in": names}).values_list(field, flat=True)
        )
    found.update(
        PendingFileDeletion.objects.filter(storage_name__in=names).values_list(
            "storage_name", flat=True
        )
    )
    return found


def reconcile(
    *, now: datetime.datetime | None = None, dry_run: bool = False, safety_age=None
) -> int:
    """Delete vault files older than the safety age that no row points to; returns how many."""
    now = now or timezone.now()
    if safety_age is None:
        safety_age = settings.RETENTION_ORPHAN_SAFETY_AGE
    cutoff = now - safety_age
    storage = vault.storage()
    fields = vault_reference_fields()
    removed = 0
    try:
        listing = _walk(storage)
        for batch in _batches(listing):
            old = [name for name in batch if storage.get_modified_time(name) <= cutoff]
            if not old:
                continue
            referenced = _referenced(old, fields)
            for name in old:
                if name in referenced:
                    continue
                if not dry_run:
                    vault.remove(name)
                removed += 1
    except FileNotFoundError:
        # The vault directory does not exist yet: nothing was ever stored.
        return removed
    except Exception as exc:
        # The object store is unreachable: the next sweep reconciles; the purge itself is done.
        logger.warning("vault reconciliation stopped (%s); next sweep", type(exc).__name__)
    return removed
