from __future__ import annotations

import datetime
import os
import time

from django.core.files.base import ContentFile

from documents import vault
from retention import files, purge
from retention.models import SweepRun
from schools.models import AuditEvent
from tests import factories
from tests.retention.conftest import ended_trip, vault_files


def _age(settings, name: str, hours: float) -> None:
    path = settings.VAULT_DIR / name
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def test_reconcile_removes_old_orphans_only(school, settings):
    trip = ended_trip(school, days_ago=-20)  # a future trip: never purged
    kept = factories.DocumentFactory(participant=factories.ParticipantFactory(trip=trip))
    old_orphan = vault.storage().save(vault.new_name(trip.pk), ContentFile(b"crashed upload"))
    young_orphan = vault.storage().save(vault.new_name(trip.pk), ContentFile(b"in flight"))
    stray = vault.storage().save("stray.bin", ContentFile(b"no directory"))
    for name in (kept.storage_name, old_orphan, stray):
        _age(settings, name, hours=7)
    _age(settings, young_orphan, hours=1)

    assert files.reconcile(dry_run=True) == 2
    assert len(vault_files(settings)) == 4

    report = purge.sweep()
    assert report.orphans_removed == 2
    assert sorted(vault_files(settings)) == sorted([kept.storage_name, young_orphan])
    assert kept.read_content().startswith(b"%PDF")
    assert SweepRun.objects.get(code=report.run).orphans_removed == 2
    event = AuditEvent.objects.get(action="orphans_removed")
    assert event.details == {"run": report.run, "files": 2}


def test_reconcile_respects_the_safety_age_setting(school, settings):
    trip = ended_trip(school, days_ago=-20)
    orphan = vault.storage().save(vault.new_name(trip.pk), ContentFile(b"x"))
    _age(settings, orphan, hours=1)
    settings.RETENTION_ORPHAN_SAFETY_AGE = datetime.timedelta(minutes=30)
    assert files.reconcile() == 1
    assert vault_files(settings) == []


def test_reconcile_on_an_empty_vault_is_zero(db, settings):
    assert files.reconcile() == 0
