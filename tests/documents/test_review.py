"""Review screens: the access matrix, safe download headers, accept and reject."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from documents import intake
from documents.models import ReviewState
from schools.models import AuditEvent
from tests.factories import member
from trips.models import ParticipantState

from . import files


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def document(participant):
    return intake.accept(participant, "portal_pdf", files.blank_pdf(2))


def _urls(document):
    trip = document.participant.trip
    u = document.uuid
    return [
        ("get", f"/documents/trip/{trip.pk}/"),
        ("get", f"/documents/{u}/"),
        ("get", f"/documents/{u}/page/1.png"),
        ("get", f"/documents/{u}/download/"),
        ("post", f"/documents/{u}/accept/"),
        ("post", f"/documents/{u}/reject/"),
    ]


@pytest.mark.parametrize("index", range(6))
def test_access_matrix(document, index, teacher, nurse, school_admin, outsider, school):
    method, url = _urls(document)[index]
    colleague = member(school, "teacher")  # same school, not on this trip
    allowed = 200 if method == "get" else 302  # pages render; decisions redirect
    expected = {
        teacher: (allowed,),
        nurse: (allowed,),
        school_admin: (403,),
        outsider: (404,),
        colleague: (404,),
    }
    for user, statuses in expected.items():
        response = getattr(_client(user), method)(url, {"reason": "読めません"})
        assert response.status_code in statuses, (user.username, url, response.status_code)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "suffix", ["invite/", "letters.pdf", "links/{p}/reissue/", "links/{p}/revoke/"]
)
def test_link_management_is_for_the_trip_teachers_only(
    document, suffix, nurse, school_admin, outsider
):
    trip = document.participant.trip
    url = f"/documents/trip/{trip.pk}/" + suffix.format(p=document.participant.pk)
    assert _client(nurse).post(url).status_code == 403
    assert _client(school_admin).post(url).status_code == 403
    assert _client(outsider).post(url).status_code == 404


def test_download_headers_and_audit(document, teacher):
    response = _client(teacher).get(f"/documents/{document.uuid}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response.content == document.read_content()
    assert AuditEvent.objects.filter(action="document_downloaded", object_id=document.pk).exists()


def test_preview_is_a_png_with_safe_headers(document, nurse, settings):
    before = sorted(p for p in settings.DATA_DIR.rglob("*") if p.is_file())
    response = _client(nurse).get(f"/documents/{document.uuid}/page/2.png")
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Disposition"].startswith("inline;")
    assert _client(nurse).get(f"/documents/{document.uuid}/page/3.png").status_code == 404
    assert sorted(p for p in settings.DATA_DIR.rglob("*") if p.is_file()) == before


def test_detail_explains_flags_and_is_audited(participant, teacher):
    data = files.japanese_pdf(["氏名 佐藤 花子"])
    document = intake.accept(participant, "portal_pdf", data)
    response = _client(teacher).get(f"/documents/{document.uuid}/")
    assert 'data-flag="name_mismatch"' in response.content.decode()
    assert AuditEvent.objects.filter(action="document_viewed").exists()


def test_accept_updates_states(document, teacher):
    response = _client(teacher).post(f"/documents/{document.uuid}/accept/")
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.review_state == ReviewState.ACCEPTED
    assert document.reviewed_by == teacher
    document.participant.refresh_from_db()
    assert document.participant.state == ParticipantState.ACCEPTED


def test_reject_mails_the_reason_and_allows_a_new_upload(
    document, nurse, django_capture_on_commit_callbacks
):
    reason = "お知らせのカード部分だけを撮り直してください"
    with django_capture_on_commit_callbacks(execute=True):
        _client(nurse).post(f"/documents/{document.uuid}/reject/", {"reason": reason})
    document.refresh_from_db()
    assert document.review_state == ReviewState.REJECTED
    assert len(mail.outbox) == 1
    assert reason in mail.outbox[0].body
    assert mail.outbox[0].to == ["parent@example.jp"]
    assert "/u/" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="document_rejected")
    assert reason not in repr(event.details)
    again = intake.accept(document.participant, "notice", files.png_image())
    assert again.review_state == ReviewState.PENDING


def test_trip_list_queries_do_not_grow_with_participants(
    trip, teacher, django_assert_max_num_queries
):
    from tests.factories import ParticipantFactory

    client = _client(teacher)
    for _ in range(2):
        ParticipantFactory(trip=trip)
    with django_assert_max_num_queries(12):
        assert client.get(f"/documents/trip/{trip.pk}/").status_code == 200
    for _ in range(20):
        ParticipantFactory(trip=trip)
    with django_assert_max_num_queries(12):
        assert client.get(f"/documents/trip/{trip.pk}/").status_code == 200


def test_preview_answers_404_once_the_key_is_destroyed(document, nurse):
    # The purge destroys the trip's key first, then the rows: a page opened in between.
    from documents import vault

    vault.destroy_data_key(document.participant.trip_id)
    response = _client(nurse).get(f"/documents/{document.uuid}/page/1.png")
    assert response.status_code == 404
