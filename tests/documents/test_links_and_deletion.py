"""upload_links, invitations, letters, and the one deletion path."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from documents import deletion, intake, links, services
from documents.models import Document, UploadLink
from schools.models import AuditEvent
from tests.factories import ParticipantFactory, StudentFactory
from trips.models import ParticipantState

from . import files


def test_upload_links_prints_the_same_working_url_twice(trip, participant):
    other = ParticipantFactory(trip=trip, student=StudentFactory(school=trip.school, grade=1))
    first, second = io.StringIO(), io.StringIO()
    call_command("upload_links", str(trip.pk), stdout=first)
    call_command("upload_links", str(trip.pk), stdout=second)
    assert first.getvalue() == second.getvalue()
    lines = [line.split("\t") for line in first.getvalue().splitlines()]
    assert [number for number, _name, _url in lines] == [
        other.student.student_number,
        participant.student.student_number,
    ]  # roster order: grade 1 before grade 2
    assert UploadLink.objects.count() == 2
    url = lines[1][2]
    assert url.startswith("http") and "/u/" in url
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert Client().get("/" + path).status_code == 200
    participant.refresh_from_db()
    assert participant.state == ParticipantState.LINK_SENT


def test_invitation_mail_is_queued_after_commit_and_sent(
    trip, participant, teacher, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/documents/trip/{trip.pk}/invite/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["parent@example.jp"]
    assert links.url_for(links.current_link(participant)) in message.body
    assert trip.purge_after.isoformat() in message.body
    event = AuditEvent.objects.get(action="invitation_sent")
    assert event.details == {"method": "email", "count": 1}


def test_invitation_task_retries_on_smtp_failure(participant, monkeypatch):
    import smtplib

    from celery.exceptions import Retry

    from documents import tasks

    link = links.issue(participant)
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("documents.mail.send_mass_mail", broken)
    # The first failure schedules a retry (eagerly, Celery raises Retry instead of sleeping) ...
    with pytest.raises(Retry):
        tasks.send_invitation.apply(kwargs={"link_id": link.pk}, throw=True)
    # ... and so does the sixth; after six retries the error is final.
    with pytest.raises(Retry):
        tasks.send_invitation.apply(kwargs={"link_id": link.pk}, retries=5, throw=True)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.send_invitation.apply(kwargs={"link_id": link.pk}, retries=6, throw=True)
    assert len(calls) == 3


@pytest.mark.slow
def test_letters_pdf_has_one_page_per_student_with_qr(trip, participant, teacher):
    import pypdfium2

    ParticipantFactory(trip=trip)
    client = Client()
    client.force_login(teacher)
    response = client.post(f"/documents/trip/{trip.pk}/letters.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    doc = pypdfium2.PdfDocument(response.content)
    assert len(doc) == 2
    text = doc[0].get_textpage().get_text_range()
    assert "マイナポータル" in text or "マイナポータル" in text.replace("\r\n", "")
    assert AuditEvent.objects.filter(action="letter_printed").exists()


def test_delete_trip_documents_counts_and_is_idempotent(
    trip, participant, settings, django_capture_on_commit_callbacks
):
    links.issue(participant)
    intake.accept(participant, "portal_pdf", files.blank_pdf(3))
    second = ParticipantFactory(trip=trip)
    intake.declare_card(second)
    with django_capture_on_commit_callbacks(execute=True):
        counts = deletion.delete_trip_documents(trip.pk)
    assert counts["documents"] == 2 and counts["pages"] == 3 and counts["files"] == 1
    assert counts["bytes"] > 0
    assert not Document.objects.exists() and not UploadLink.objects.exists()
    assert [p for p in settings.VAULT_DIR.rglob("*") if p.is_file()] == []
    assert deletion.delete_trip_documents(trip.pk) == {
        "documents": 0,
        "pages": 0,
        "bytes": 0,
        "files": 0,
    }


def test_documents_for_packet_in_roster_order(trip, participant, teacher):
    from documents import review

    early = ParticipantFactory(
        trip=trip, student=StudentFactory(school=trip.school, grade=1), group_name="2班"
    )
    docs = [intake.accept(p, "notice", files.png_image()) for p in (participant, early)]
    pending = ParticipantFactory(trip=trip)
    intake.accept(pending, "notice", files.png_image())  # not reviewed: not in the packet
    card = ParticipantFactory(trip=trip)
    intake.declare_card(card)
    for document in docs:
        review.accept_document(document, teacher)
    assert list(services.documents_for_packet(trip)) == [docs[1], docs[0]]
    assert list(services.documents_for_packet(trip, group_name="2班")) == [docs[1]]
    assert len(services.documents_for_packet(trip, with_files_only=False)) == 3


def test_rotation_command_keeps_files_readable(participant, settings):
    import base64
    import secrets

    document = intake.accept(participant, "notice", files.png_image())
    content = document.read_content()
    new = "k2:" + base64.b64encode(secrets.token_bytes(32)).decode()
    settings.VAULT_KEYS = new + "," + settings.VAULT_KEYS
    out = io.StringIO()
    call_command("rotate_vault_keys", stdout=out)
    assert "re-wrapped 1" in out.getvalue()
    settings.VAULT_KEYS = new  # the old key is gone: the file still reads
    assert Document.objects.get().read_content() == content


def test_invitation_subject_is_one_plain_line_whatever_the_title(trip, participant):
    """A title with a line break made every invitation fail; `&` arrived as `&amp;` (issue 14)."""
    from documents import mail as guardian_mail

    trip.title = "春の\r\n修学旅行 A&B <京都>"
    trip.save(update_fields=["title"])
    link = links.issue(participant)
    assert guardian_mail.send_invitation(link) == 1
    subject = mail.outbox[0].subject
    assert subject == "【春の 修学旅行 A&B <京都>】健康保険の資格確認書類のご提出のお願い"
    assert "&amp;" not in mail.outbox[0].body and "&lt;" not in mail.outbox[0].body


def test_trip_form_keeps_titles_on_one_line(school, teacher):
    from trips.forms import TripForm
    from trips.models import Trip

    data = {
        "title": "春の\n修学旅行",
        "kind": "school_trip",
        "destination": "京都\r\n奈良",
        "start_date": "2027-05-10",
        "end_date": "2027-05-12",
        "organiser": teacher.pk,
        "contact_phone": "03-0000-0000",
    }
    form = TripForm(data, teachers=type(teacher).objects.all(), instance=Trip(school=school))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "春の 修学旅行"
    assert form.cleaned_data["destination"] == "京都 奈良"


def test_letters_are_never_made_by_a_get(trip, participant, teacher):
    """A GET (a prefetch, a crawler, a shared link) issues no link and audits nothing."""
    client = Client()
    client.force_login(teacher)
    assert client.get(f"/documents/trip/{trip.pk}/letters.pdf").status_code == 405
    assert not UploadLink.objects.exists()
    assert not AuditEvent.objects.filter(action="letter_printed").exists()
