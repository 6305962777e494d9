from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from documents.models import Document
from retention import purge
from retention.models import DeletionCertificate, PurgeReason
from schools.models import MAX_GRACE_DAYS
from tests import factories
from tests.retention.conftest import filled_trip
from tests.servers import site_env
from trips import services as trip_services
from trips.models import TOKYO, PurgeState


def _jst(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


def test_trip_ending_10_march_with_3_grace_days_is_due_14_march_0000_jst(school):
    trip = factories.TripFactory(
        school=school, start_date=datetime.date(2026, 3, 8), end_date=datetime.date(2026, 3, 10)
    )
    assert trip.purge_after == datetime.date(2026, 3, 13)
    assert purge.due_trip_ids(_jst(2026, 3, 13, 23, 59, 59)) == []
    assert purge.due_trip_ids(_jst(2026, 3, 14, 0, 0)) == [trip.pk]


def test_purge_trip_refuses_before_the_due_time(school):
    trip = factories.TripFactory(
        school=school, start_date=datetime.date(2026, 3, 8), end_date=datetime.date(2026, 3, 10)
    )
    document = factories.DocumentFactory(participant=factories.ParticipantFactory(trip=trip))
    run = purge.SweepRun.objects.create()
    assert purge.purge_trip(trip.pk, run=run, now=_jst(2026, 3, 13, 23, 59)) is None
    assert Document.objects.filter(pk=document.pk).exists()
    certificate = purge.purge_trip(trip.pk, run=run, now=_jst(2026, 3, 14, 0, 1))
    assert certificate is not None and certificate.documents == 1


def test_grace_days_above_14_are_refused_by_validation_and_database(db):
    assert MAX_GRACE_DAYS == 14
    school = factories.SchoolFactory.build(grace_days=15)
    with pytest.raises(ValidationError):
        school.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SchoolFactory(grace_days=15)


def test_longest_grace_keeps_documents_at_most_14_days_after_the_trip(db):
    school = factories.SchoolFactory(grace_days=14)
    trip = factories.TripFactory(
        school=school, start_date=datetime.date(2026, 3, 8), end_date=datetime.date(2026, 3, 10)
    )
    assert trip.purge_after == datetime.date(2026, 3, 24)
    assert purge.due_trip_ids(_jst(2026, 3, 25, 0, 0)) == [trip.pk]


def test_cancelled_trip_is_purged_at_once(school, teacher, django_capture_on_commit_callbacks):
    trip = factories.TripFactory(school=school, organiser=teacher)  # starts in 30 days
    participant = factories.ParticipantFactory(trip=trip)
    factories.DocumentFactory(participant=participant)
    with django_capture_on_commit_callbacks(execute=True):
        trip_services.cancel(trip, actor=teacher)
    trip.refresh_from_db()
    assert trip.purge_state == PurgeState.PURGED
    assert not Document.objects.filter(participant__trip=trip).exists()
    certificate = DeletionCertificate.objects.get(trip=trip)
    assert certificate.reason == PurgeReason.CANCELLED and certificate.documents == 1


def test_cancelled_trip_is_due_for_the_sweep_even_without_the_hook(school):
    trip = filled_trip(school, days_ago=-30)
    trip.cancelled_at = trip.created_at
    trip.save(update_fields=["cancelled_at"])  # no on-commit callback runs in this test
    assert purge.due_trip_ids() == [trip.pk]
    report = purge.sweep()
    assert [o.trip_id for o in report.purged] == [trip.pk]


def test_every_beat_entry_names_a_registered_task_and_expires_before_the_next_run(settings):
    """A renamed task or an expiry longer than the period would pile up or lose runs."""
    from schooltrips.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        schedule = entry["schedule"]
        if isinstance(schedule, float | int):
            period = schedule
        else:  # a daily crontab: the day divided among its runs
            period = 86400 / (len(schedule.hour) * len(schedule.minute))
        assert 0 < entry["options"]["expires"] < period, name


def test_the_default_sqlite_database_runs_with_secure_delete(tmp_path):
    """Freed pages are overwritten, so purged rows leave no trace in the database file."""
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = site_env(tmp_path)
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA secure_delete'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "1"
