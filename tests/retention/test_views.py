from __future__ import annotations

import csv
import io
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from packets.models import PaperCopy
from retention import purge
from retention.models import DeletionCertificate, IncidentNote
from schools.audit import record
from schools.models import AuditEvent
from tests import factories
from tests.retention.conftest import filled_trip


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def purged_trip(school):
    trip = filled_trip(school)
    purge.sweep()
    trip.refresh_from_db()
    return trip


def test_dashboard_lists_trips_with_counts_purge_dates_and_certificates(
    client, school_admin, school, purged_trip
):
    held = filled_trip(school, days_ago=-20)  # upcoming: documents held
    response = _login(client, school_admin).get(reverse("retention:dashboard"))
    assert response.status_code == 200
    rows = {trip.pk: trip for trip in response.context["trips"]}
    assert rows[held.pk].documents_held == 3 and rows[held.pk].packets_held == 1
    assert rows[purged_trip.pk].documents_held == 0
    assert rows[purged_trip.pk].copies_outstanding == 1
    certificate = DeletionCertificate.objects.get(trip=purged_trip)
    body = response.content.decode()
    assert reverse("retention:certificate", args=[certificate.pk]) in body
    assert held.purge_due_at.astimezone().strftime("%Y-%m-%d") in body
    assert response.context["sweep"]["last_ok"] is not None
    assert not response.context["sweep"]["late"]


def test_dashboard_shows_no_document_content(client, school_admin, school):
    trip = filled_trip(school, days_ago=-20)
    participant = factories.ParticipantFactory(trip=trip)
    factories.DocumentFactory(participant=participant, content=b"%PDF-1.7 CANARY-hoken-06130012")
    body = _login(client, school_admin).get(reverse("retention:dashboard")).content.decode()
    assert "CANARY" not in body and "06130012" not in body
    assert participant.student.name not in body


def test_dashboard_alerts_when_no_sweep_succeeded_recently(client, school_admin, school):
    response = _login(client, school_admin).get(reverse("retention:dashboard"))
    assert response.context["sweep"]["late"]
    assert 'id="sweep-status"' in response.content.decode()


def test_dashboard_alerts_a_failed_sweep_and_overdue_trip(
    client, school_admin, school, monkeypatch
):
    trip = filled_trip(school)
    from retention import deletion

    def broken(trip_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(deletion, "delete_trip_data", broken)
    purge.sweep()
    response = _login(client, school_admin).get(reverse("retention:dashboard"))
    assert response.context["sweep"]["failed"]
    assert [t.pk for t in response.context["overdue"]] == [trip.pk]


def test_dashboard_shows_files_still_pending_deletion_for_its_school(client, school_admin, school):
    from documents.models import PendingFileDeletion

    trip = factories.TripFactory(school=school)
    other = factories.TripFactory()
    for n, trip_id in enumerate([trip.pk, trip.pk, other.pk]):
        PendingFileDeletion.objects.create(storage_name=f"t{trip_id}/{n}.bin", trip_id=trip_id)
    page = _login(client, school_admin).get(reverse("retention:dashboard")).content.decode()
    assert 'id="files-pending"' in page
    assert "ファイル 2 件がまだ保管場所から消えていません" in page  # not the other school's
    PendingFileDeletion.objects.all().delete()
    page = client.get(reverse("retention:dashboard")).content.decode()
    assert 'id="files-pending"' not in page


def test_dashboard_queries_do_not_grow_with_trips(
    client, school_admin, school, django_assert_max_num_queries
):
    filled_trip(school, participants=1)
    _login(client, school_admin)
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("retention:dashboard"))
    for _ in range(5):
        filled_trip(school, participants=2)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("retention:dashboard"))


ADMIN_PAGES = ["retention:dashboard", "retention:audit_log", "retention:audit_csv"]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_teachers_and_outsiders_get_403(client, teacher, outsider, name):
    for user in (teacher, outsider):
        client.logout()
        assert _login(client, user).get(reverse(name)).status_code == 403


def test_nurse_sees_dashboard_but_not_audit_log(client, nurse):
    _login(client, nurse)
    assert client.get(reverse("retention:dashboard")).status_code == 200
    assert client.get(reverse("retention:audit_log")).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("retention:dashboard"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_audit_log_filters_by_trip_actor_action_and_date(client, school_admin, school, teacher):
    trip = factories.TripFactory(school=school)
    other = factories.TripFactory(school=school)
    record("trip_locked", actor=teacher, role="teacher", school=school, trip=trip)
    record("trip_locked", actor=teacher, role="teacher", school=school, trip=other)
    record("trip_changed", actor=school_admin, role="admin", school=school, trip=trip)
    record("trip_changed", school=factories.SchoolFactory(), trip=999)  # another school
    _login(client, school_admin)
    url = reverse("retention:audit_log")
    events = client.get(url).context["page"].object_list
    assert {e.trip_id for e in events if e.trip_id} == {trip.pk, other.pk}
    events = client.get(url, {"trip": trip.pk}).context["page"].object_list
    assert sorted(e.action for e in events) == ["trip_changed", "trip_locked"]
    events = (
        client.get(url, {"actor": teacher.pk, "action": "trip_locked"}).context["page"].object_list
    )
    assert len(events) == 2
    today = events[0].created_at.astimezone().date().isoformat()
    dated = client.get(url, {"date_from": today, "date_to": today}).context["page"]
    assert len([e for e in dated if e.trip_id]) == 3
    assert len(client.get(url, {"date_to": "2000-01-01"}).context["page"]) == 0


def test_audit_log_page_queries_are_constant(
    client, school_admin, school, teacher, django_assert_max_num_queries
):
    _login(client, school_admin)
    record("trip_locked", actor=teacher, school=school, trip=1)
    with django_assert_max_num_queries(15) as one:
        client.get(reverse("retention:audit_log"))
    actors = [factories.member(school, "teacher") for _ in range(4)]
    for n in range(30):
        record("trip_locked", actor=actors[n % 4], school=school, trip=n)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("retention:audit_log"))


def test_audit_csv_export_is_content_free_and_audited(client, school_admin, school, purged_trip):
    _login(client, school_admin)
    response = client.get(reverse("retention:audit_csv"), {"trip": purged_trip.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    actions = {row["action"] for row in rows}
    assert {"purge_started", "purge_completed"} <= actions
    assert all(row["trip_id"] == str(purged_trip.pk) for row in rows)
    assert AuditEvent.objects.filter(action="audit_exported", actor_id=school_admin.pk).exists()


def test_certificate_renders_as_pdf_with_its_counts(client, school_admin, purged_trip, tmp_path):
    certificate = DeletionCertificate.objects.get(trip=purged_trip)
    response = _login(client, school_admin).get(
        reverse("retention:certificate", args=[certificate.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{certificate.number}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    # Shown by the browser's PDF viewer: the site's own strict policy, not a sandbox.
    assert not response["Content-Security-Policy"].startswith("sandbox")
    assert response.content.startswith(b"%PDF")
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "削除証明書" in text.replace(" ", "")
    assert certificate.number in text
    assert purged_trip.title.replace(" ", "") in text.replace(" ", "")
    assert AuditEvent.objects.filter(action="certificate_viewed").count() == 1


def test_certificate_fetcher_refuses_everything_but_static_files():
    from documents.fetcher import RefusedURL
    from retention.certificate import BASE_URL, make_fetcher

    fetcher = make_fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1/", BASE_URL + "static/../../etc/passwd"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert b"@page" in fetcher.fetch(BASE_URL + "static/css/certificate.css").read()


def test_certificate_of_another_school_is_404(client, outsider, purged_trip):
    certificate = DeletionCertificate.objects.get(trip=purged_trip)
    response = _login(client, outsider).get(reverse("retention:certificate", args=[certificate.pk]))
    assert response.status_code == 404


def test_holder_confirms_shredding_and_admin_sees_outstanding(client, school_admin, purged_trip):
    copy = PaperCopy.objects.get(trip=purged_trip)
    holder = purged_trip.organiser
    _login(client, school_admin)
    response = client.get(reverse("retention:paper_copies"))
    assert [c.pk for c in response.context["school_copies"]] == [copy.pk]
    assert holder.username in response.content.decode()
    # Only the holder confirms.
    url = reverse("retention:confirm_shredded", args=[copy.pk])
    assert client.post(url, {"confirm": "on"}).status_code == 403
    client.logout()
    _login(client, holder)
    assert [c.pk for c in client.get(reverse("retention:paper_copies")).context["mine"]] == [
        copy.pk
    ]
    assert client.post(url, {"confirm": "on"}).status_code == 302
    copy.refresh_from_db()
    assert copy.shredded_at is not None and copy.shredded_confirmed_by == holder
    event = AuditEvent.objects.get(action="paper_copy_shredded")
    assert event.details == {"copy_number": 1}


def test_shredding_confirmation_by_an_outsider_is_404(client, outsider, purged_trip):
    copy = PaperCopy.objects.get(trip=purged_trip)
    response = _login(client, outsider).post(
        reverse("retention:confirm_shredded", args=[copy.pk]), {"confirm": "on"}
    )
    assert response.status_code == 404


def test_nurse_records_an_incident_that_survives_the_purge(client, nurse, school_admin, school):
    trip = filled_trip(school, days_ago=-20)
    participant = trip.participants.first()
    url = reverse("retention:incidents", args=[trip.pk])
    _login(client, nurse)
    response = client.post(
        url,
        {
            "participant": participant.pk,
            "date": trip.start_date.isoformat(),
            "place": "京都市内の診療所",
            "note": "発熱で受診。協会けんぽに請求。",
        },
    )
    assert response.status_code == 302
    trip.cancelled_at = trip.created_at
    trip.save(update_fields=["cancelled_at"])
    purge.sweep()
    assert IncidentNote.objects.filter(participant=participant).count() == 1
    client.logout()
    response = _login(client, school_admin).get(url)
    page = response.content.decode()
    # The admin sees that there is a note and its date, never its content (issue 14).
    assert response.status_code == 200 and trip.start_date.isoformat() in page
    assert "京都市内の診療所" not in page and "発熱" not in page
    assert participant.student.name not in page
    assert response.context["form"] is None
    assert client.post(url, {}).status_code == 403


def test_incident_notes_refuse_insurance_numbers(client, nurse, school):
    trip = filled_trip(school, days_ago=-20)
    _login(client, nurse)
    response = client.post(
        reverse("retention:incidents", args=[trip.pk]),
        {
            "participant": trip.participants.first().pk,
            "date": trip.start_date.isoformat(),
            "place": "病院",
            "note": "保険者番号 06130012",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not IncidentNote.objects.exists()


def test_incidents_are_hidden_from_teachers_and_outsiders(client, outsider, school):
    trip = filled_trip(school, days_ago=-20)
    url = reverse("retention:incidents", args=[trip.pk])
    assert _login(client, trip.organiser).get(url).status_code == 403
    client.logout()
    assert _login(client, outsider).get(url).status_code == 404


def test_trip_page_shows_the_retention_panel(client, school):
    from tests.retention.conftest import ended_trip

    trip = ended_trip(school, days_ago=-20)
    body = _login(client, trip.organiser).get(reverse("trips:detail", args=[trip.pk])).content
    assert b'id="retention-panel"' in body
    assert trip.purge_after.isoformat().encode() in body


def test_purged_trip_page_links_its_certificate(client, nurse, purged_trip):
    certificate = DeletionCertificate.objects.get(trip=purged_trip)
    body = _login(client, nurse).get(reverse("trips:detail", args=[purged_trip.pk])).content
    assert reverse("retention:certificate", args=[certificate.pk]).encode() in body


def test_paper_copy_page_queries_do_not_grow(
    client, school_admin, school, django_assert_max_num_queries
):
    filled_trip(school, participants=1)
    _login(client, school_admin)
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("retention:paper_copies"))
    for _ in range(4):
        filled_trip(school, participants=1)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("retention:paper_copies"))
    assert len(response.context["school_copies"]) == 5


def test_incident_page_queries_do_not_grow(client, nurse, school, django_assert_max_num_queries):
    trip = filled_trip(school, participants=5, days_ago=-20)
    participants = list(trip.participants.all())
    IncidentNote.objects.create(participant=participants[0], date=trip.start_date, place="A")
    url = reverse("retention:incidents", args=[trip.pk])
    _login(client, nurse)
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for participant in participants[1:]:
        IncidentNote.objects.create(participant=participant, date=trip.start_date, place="B")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["notes"]) == 5


def _purge_cell(body: str, trip) -> str:
    """The text of the dashboard's "削除" cell in the trip's row."""
    row = re.search(r"<tr[^>]*>\s*<td>" + re.escape(trip.title) + r"</td>(.*?)</tr>", body, re.S)
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)[4]


def test_dashboard_deletion_column_shows_a_dash_until_the_purge_then_the_date(
    client, school_admin, school, purged_trip
):
    held = filled_trip(school, days_ago=-20, title="まだ先の旅行")
    body = _login(client, school_admin).get(reverse("retention:dashboard")).content.decode()
    waiting = _purge_cell(body, held)
    assert "保管中" not in waiting and "—" in waiting and "未削除" in waiting
    done = _purge_cell(body, purged_trip)
    certificate = DeletionCertificate.objects.get(trip=purged_trip)
    assert timezone.localtime(purged_trip.purged_at).strftime("%Y-%m-%d %H:%M") in done
    assert reverse("retention:certificate", args=[certificate.pk]) in done


def test_purged_trip_page_says_when_its_documents_were_deleted(client, purged_trip):
    certificate = DeletionCertificate.objects.get(trip=purged_trip)
    body = (
        _login(client, purged_trip.organiser)
        .get(reverse("trips:detail", args=[purged_trip.pk]))
        .content.decode()
    )
    panel = body[body.index('id="retention-panel"') :]
    date = timezone.localtime(purged_trip.purged_at).strftime("%Y-%m-%d %H:%M")
    assert f"この旅行の書類と提示用書類一式は {date} にすべて削除しました。" in panel
    assert "書類はもう保管されていません" in panel
    assert reverse("retention:certificate", args=[certificate.pk]) in panel


def test_trip_page_before_the_purge_does_not_say_deleted(client, school):
    from tests.retention.conftest import ended_trip

    trip = ended_trip(school, days_ago=-20)
    body = _login(client, trip.organiser).get(reverse("trips:detail", args=[trip.pk])).content
    assert b'id="retention-purged"' not in body
