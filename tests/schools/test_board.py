"""A board of education above its schools: the board admin's access, and school codes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from retention import purge
from retention.models import DeletionCertificate
from schools.models import AuditEvent
from tests import factories
from tests.retention.conftest import filled_trip


@pytest.fixture
def boards(db):
    """Board A with two schools (each with a purged trip and a live document); board B with one."""
    board_a, board_b = factories.BoardFactory(), factories.BoardFactory()
    schools = {
        "a1": factories.SchoolFactory(board=board_a, name="甲中学校"),
        "a2": factories.SchoolFactory(board=board_a, name="乙中学校"),
        "b1": factories.SchoolFactory(board=board_b, name="丙中学校"),
    }
    for school in schools.values():
        filled_trip(school, participants=1)
    purge.sweep()
    live = {}
    for key, school in schools.items():
        trip = filled_trip(school, participants=1, days_ago=-5, title=f"旅行 {key}")
        live[key] = factories.DocumentFactory(participant=factories.ParticipantFactory(trip=trip))
    return board_a, board_b, schools, live


def _certificate(school) -> DeletionCertificate:
    return DeletionCertificate.objects.get(trip__school=school)


def test_board_admin_sees_each_of_its_schools_dashboard(client, boards):
    board_a, _, schools, _ = boards
    client.force_login(factories.board_admin(board_a))
    url = reverse("retention:dashboard")
    first = client.get(url)
    assert first.status_code == 200
    html = first.content.decode()
    assert 'id="board-schools"' in html and "甲中学校" in html and "乙中学校" in html
    assert "丙中学校" not in html
    second = client.get(url, {"school": schools["a2"].pk})
    assert second.status_code == 200 and "旅行 a2" in second.content.decode()
    assert "旅行 a1" not in second.content.decode()


def test_board_admin_never_sees_another_boards_school(client, boards):
    board_a, _, schools, _ = boards
    client.force_login(factories.board_admin(board_a))
    other = schools["b1"].pk
    assert client.get(reverse("retention:dashboard"), {"school": other}).status_code == 404
    assert client.get(reverse("retention:audit_log"), {"school": other}).status_code == 404
    assert client.get(reverse("retention:audit_csv"), {"school": other}).status_code == 404
    certificate = _certificate(schools["b1"])
    assert client.get(reverse("retention:certificate", args=[certificate.pk])).status_code == 404


def test_board_admin_reads_certificates_and_audit_logs_of_its_schools(client, boards):
    board_a, _, schools, _ = boards
    admin = factories.board_admin(board_a)
    client.force_login(admin)
    certificate = _certificate(schools["a2"])
    response = client.get(reverse("retention:certificate", args=[certificate.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    event = AuditEvent.objects.filter(action="certificate_viewed").latest("id")
    seen = (event.actor_id, event.actor_role, event.school_id)
    assert seen == (admin.pk, "board", schools["a2"].pk)
    log = client.get(reverse("retention:audit_log"), {"school": schools["a1"].pk})
    assert log.status_code == 200
    csv = client.get(reverse("retention:audit_csv"), {"school": schools["a1"].pk})
    assert csv.status_code == 200
    assert "purge_completed" in b"".join(csv.streaming_content).decode()


def test_board_admin_never_opens_a_document_or_a_trip(client, boards):
    board_a, _, _, live = boards
    client.force_login(factories.board_admin(board_a))
    document = live["a1"]
    for name in ("documents:detail", "documents:download"):
        assert client.get(reverse(name, args=[document.uuid])).status_code == 404
    assert client.get(reverse("documents:page", args=[document.uuid, 1])).status_code == 404
    trip_id = document.participant.trip_id
    assert client.get(reverse("trips:detail", args=[trip_id])).status_code == 404
    assert client.get(reverse("documents:trip", args=[trip_id])).status_code == 404


def test_a_school_member_is_not_a_board_admin(client, boards):
    _, _, schools, _ = boards
    client.force_login(factories.member(schools["a1"], "admin"))
    other = _certificate(schools["a2"])
    assert client.get(reverse("retention:certificate", args=[other.pk])).status_code == 404
    # ?school= does not move a school's own admin to another school.
    page = client.get(reverse("retention:dashboard"), {"school": schools["a2"].pk})
    assert page.status_code == 200 and "旅行 a2" not in page.content.decode()


def test_school_codes_are_unique_per_board(db):
    board_a, board_b = factories.BoardFactory(), factories.BoardFactory()
    factories.SchoolFactory(board=board_a, code="001")
    factories.SchoolFactory(board=board_b, code="001")  # another board may use the same code
    factories.SchoolFactory(code="001")  # and so may a school outside any board, once
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SchoolFactory(board=board_a, code="001")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SchoolFactory(code="001")


def test_board_admin_finds_the_retention_dashboard_from_home(client, db):
    board = factories.BoardFactory()
    factories.SchoolFactory(board=board)
    client.force_login(factories.board_admin(board))
    html = client.get(reverse("home")).content.decode()
    assert html.count(f'href="{reverse("retention:dashboard")}"') >= 1
    assert reverse("trips:dashboard") not in html
