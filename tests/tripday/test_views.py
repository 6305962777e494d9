from __future__ import annotations

import datetime

from django.utils import timezone

from retention.models import IncidentNote
from schools.models import AuditEvent
from tests.factories import ParticipantFactory, StudentFactory
from trips.models import PurgeState


def test_search_by_kana_finds_the_child(client, teacher, trip, participant):
    other = ParticipantFactory(trip=trip, student=StudentFactory(school=trip.school, kana="すずき"))
    client.force_login(teacher)
    response = client.get(f"/tripday/{trip.pk}/", {"q": "さとう"})
    page = response.content.decode()
    assert "佐藤 花子" in page
    assert other.student.name not in page
    assert "no-store" in response["Cache-Control"]


def test_child_page_shows_document_with_validity_stamp_and_is_audited(
    client, teacher, trip, participant, document
):
    client.force_login(teacher)
    response = client.get(f"/tripday/{trip.pk}/p/{participant.pk}/")
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    until = trip.end_date.isoformat()
    assert f"佐藤 花子　京都研修　本旅行期間中のみ有効（{until} まで）" in page
    assert f"/documents/{document.uuid}/page/1.png" in page
    client.get(f"/tripday/{trip.pk}/p/{participant.pk}/")
    events = AuditEvent.objects.filter(action="tripday_viewed")
    assert events.count() == 2
    assert events.first().details["kind"] == "portal_pdf"


def test_no_service_worker_on_the_page(client, teacher, trip, participant, document):
    client.force_login(teacher)
    page = client.get(f"/tripday/{trip.pk}/p/{participant.pk}/").content.decode()
    assert "serviceWorker" not in page


def test_stops_once_the_trip_is_purged(client, teacher, trip, participant):
    trip.purge_state = PurgeState.PURGED
    trip.purged_at = timezone.now()
    trip.save()
    client.force_login(teacher)
    assert client.get(f"/tripday/{trip.pk}/").status_code == 404
    assert client.get(f"/tripday/{trip.pk}/p/{participant.pk}/").status_code == 404


def test_incident_note_from_the_same_screen(client, teacher, trip, participant):
    client.force_login(teacher)
    url = f"/tripday/{trip.pk}/p/{participant.pk}/"
    response = client.post(
        url,
        {
            "participant": participant.pk,
            "date": datetime.date.today().isoformat(),
            "place": "京都市立病院",
            "note": "発熱で受診",
        },
    )
    assert response.status_code == 302
    note = IncidentNote.objects.get()
    assert note.participant == participant and note.created_by == teacher
    assert AuditEvent.objects.filter(action="incident_recorded").exists()


def test_incident_note_cannot_target_another_participant(client, teacher, trip, participant):
    other = ParticipantFactory(trip=trip)
    client.force_login(teacher)
    client.post(
        f"/tripday/{trip.pk}/p/{participant.pk}/",
        {"participant": other.pk, "date": "2026-01-01", "place": "病院", "note": ""},
    )
    assert not IncidentNote.objects.exists()


def test_access_matrix(client, trip, participant, nurse, school_admin, outsider):
    url = f"/tripday/{trip.pk}/p/{participant.pk}/"
    client.force_login(nurse)
    assert client.get(url).status_code == 200
    client.force_login(school_admin)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
