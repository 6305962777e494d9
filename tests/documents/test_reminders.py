from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import override_settings

from documents import reminders
from documents.models import Reminder
from schools.models import AuditEvent
from tests.factories import GuardianFactory, ParticipantFactory, StudentFactory
from trips.models import ParticipantState, today_in_tokyo


def _family(trip, state=ParticipantState.LINK_SENT, email="x@example.jp"):
    student = StudentFactory(school=trip.school)
    if email:
        GuardianFactory(school=trip.school, email=email).students.add(student)
    return ParticipantFactory(trip=trip, student=student, state=state)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    # The e-mails are queued after the commit: run them as the commit would.
    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.sweep()

    return run


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def run(url):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, follow=True)

    return run


def _with_deadline(trip, days_from_today: int):
    trip.collection_deadline = today_in_tokyo() + datetime.timedelta(days=days_from_today)
    trip.save()
    return trip


@override_settings(DEADLINE_REMINDER_DAYS=3)
def test_sweep_reminds_only_missing_families_once(trip, sweep):
    _with_deadline(trip, 2)
    missing = _family(trip, email="missing@example.jp")
    rejected = _family(trip, ParticipantState.REJECTED, email="rejected@example.jp")
    _family(trip, ParticipantState.UPLOADED, email="sent@example.jp")
    _family(trip, ParticipantState.ACCEPTED, email="ok@example.jp")
    _family(trip, ParticipantState.CARD_CARRIED, email="card@example.jp")
    assert sweep() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["missing@example.jp", "rejected@example.jp"]
    assert "提出期限" in mail.outbox[0].body
    assert "/u/" in mail.outbox[0].body
    # Run again (a second beat, a late run): nothing is sent twice.
    assert sweep() == 0
    assert len(mail.outbox) == 2
    assert set(Reminder.objects.values_list("participant", flat=True)) == {
        missing.pk,
        rejected.pk,
    }


@override_settings(DEADLINE_REMINDER_DAYS=3)
def test_sweep_waits_until_the_reminder_day_and_stops_after_the_deadline(trip, sweep):
    _family(trip)
    _with_deadline(trip, 5)
    assert sweep() == 0
    _with_deadline(trip, -1)
    assert sweep() == 0
    _with_deadline(trip, 3)
    assert sweep() == 1


@override_settings(DEADLINE_REMINDER_DAYS=3)
def test_a_family_that_sent_after_the_sweep_gets_no_mail(trip):
    _with_deadline(trip, 1)
    participant = _family(trip)
    reminder = Reminder.objects.create(participant=participant, automatic=True)
    participant.state = ParticipantState.UPLOADED
    participant.save()
    assert reminders.send(reminder) == 0
    assert mail.outbox == []


def test_teacher_reminds_all_missing_families_audited_and_rate_limited(client, post, trip, teacher):
    _family(trip, email="a@example.jp")
    _family(trip, ParticipantState.UPLOADED, email="b@example.jp")
    _family(trip, email="")  # no address: nobody to write to
    client.force_login(teacher)
    url = f"/documents/trip/{trip.pk}/remind/"
    response = post(url)
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["a@example.jp"]]
    event = AuditEvent.objects.get(action="reminders_sent")
    assert event.details["count"] == 1
    # A second click within the hour sends nothing.
    response = post(url)
    assert "少し前に送りました" in response.content.decode()
    assert len(mail.outbox) == 1


def test_remind_is_refused_to_nurse_and_hidden_from_outsiders(client, trip, nurse, outsider):
    _family(trip)
    client.force_login(nurse)
    assert client.post(f"/documents/trip/{trip.pk}/remind/").status_code == 403
    client.force_login(outsider)
    assert client.post(f"/documents/trip/{trip.pk}/remind/").status_code == 404
    assert mail.outbox == []


def test_links_csv_lists_number_name_and_url_and_is_audited(client, trip, teacher, participant):
    client.force_login(teacher)
    response = client.post(f"/documents/trip/{trip.pk}/links.csv")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "学籍番号,氏名,提出用リンク"
    number, name, url = lines[1].split(",")
    assert number == participant.student.student_number
    assert name == "山田 太郎"
    assert "/u/" in url
    assert AuditEvent.objects.filter(action="links_exported").exists()


def test_links_csv_warning_is_on_the_documents_page(client, trip, teacher):
    client.force_login(teacher)
    page = client.get(f"/documents/trip/{trip.pk}/").content.decode()
    assert 'id="links-warning"' in page
    assert "専用リンク" in page


def test_links_csv_hidden_from_outsiders(client, trip, outsider):
    client.force_login(outsider)
    assert client.post(f"/documents/trip/{trip.pk}/links.csv").status_code == 404


def test_links_csv_is_never_made_by_a_get(client, trip, teacher, participant):
    """Like the letters: a GET (prefetch, crawler) issues no link and audits nothing."""
    from documents.models import UploadLink

    client.force_login(teacher)
    assert client.get(f"/documents/trip/{trip.pk}/links.csv").status_code == 405
    assert not UploadLink.objects.exists()
    assert not AuditEvent.objects.filter(action="links_exported").exists()


def test_links_csv_cells_cannot_run_as_formulas(client, trip, teacher, participant):
    participant.student.name = "=HYPERLINK(1)"
    participant.student.save(update_fields=["name"])
    client.force_login(teacher)
    text = client.post(f"/documents/trip/{trip.pk}/links.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_deadline_on_guardian_page(client, trip, upload_url):
    _with_deadline(trip, 4)
    page = client.get(upload_url).content.decode()
    assert trip.collection_deadline.strftime("%Y-%m-%d") in page


def test_beat_schedules_the_reminder_task_daily_with_an_expiry():
    from django.conf import settings

    from schooltrips.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["documents-deadline-reminders"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert 0 < entry["options"]["expires"] < 24 * 3600


def test_letters_and_invitation_state_the_deadline(trip, participant):
    from django.template.loader import render_to_string

    _with_deadline(trip, 6)
    date = trip.collection_deadline.strftime("%Y-%m-%d")
    letters = render_to_string(
        "documents/letters.html",
        {"trip": trip, "pages": [{"student": participant.student, "url": "u", "qr": ""}]},
    )
    invitation = render_to_string(
        "documents/email/invitation.txt",
        {"trip": trip, "student": participant.student, "url": "u", "purge_after": trip.end_date},
    )
    assert f"提出期限：{date}" in letters
    assert f"提出期限：{date}" in invitation
