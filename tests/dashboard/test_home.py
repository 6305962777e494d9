from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import Document, DocumentKind
from packets.models import Packet, PacketStatus, PaperCopy
from tests.factories import ParticipantFactory, TripFactory, member
from trips.models import ParticipantState


def _busy_trip(school, teacher, *, deadline=None):
    trip = TripFactory(school=school, organiser=teacher, collection_deadline=deadline)
    uploaded = ParticipantFactory(trip=trip, state=ParticipantState.UPLOADED)
    ParticipantFactory(trip=trip, state=ParticipantState.REJECTED)
    ParticipantFactory(trip=trip, state=ParticipantState.LINK_SENT)
    ParticipantFactory(trip=trip, state=ParticipantState.NOT_REQUESTED)
    packet = Packet.objects.create(
        trip=trip, status=PacketStatus.DONE, finished_at=timezone.now() - datetime.timedelta(1)
    )
    Document.objects.create(participant=uploaded, kind=DocumentKind.PORTAL_PDF)
    PaperCopy.objects.create(trip=trip, packet=packet, copy_number=1, holder=teacher)
    return trip


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["teacher", "nurse", "admin"])
def test_home_query_count_does_not_grow_with_trips(client, school, teacher, role):
    user = teacher if role == "teacher" else member(school, role)
    client.force_login(user)
    _busy_trip(school, teacher)
    one = _queries(client)
    for _ in range(6):
        _busy_trip(school, teacher)
    assert _queries(client) == one


def test_teacher_home_lists_own_trips_with_what_needs_them(client, school, teacher):
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    mine = _busy_trip(school, teacher, deadline=deadline)
    accompanied = TripFactory(school=school)
    accompanied.accompanying.add(teacher)
    colleague_only = TripFactory(school=school, title="他の先生の旅行")
    client.force_login(teacher)
    page = client.get("/").content.decode()
    assert mine.title in page and accompanied.title in page
    assert colleague_only.title not in page
    assert deadline.strftime("%Y-%m-%d") in page
    assert "確認待ちの書類 1 件" in page
    assert "差し戻し後まだ再提出のない家庭 1 件" in page
    assert "何も提出していない参加者 2 人" in page
    assert "提示用書類一式が古くなっています" in page
    assert "裁断を確認していない印刷物 1 部" in page


def test_packet_newer_than_documents_is_not_flagged(client, school, teacher):
    trip = _busy_trip(school, teacher)
    Packet.objects.filter(trip=trip).update(finished_at=timezone.now() + datetime.timedelta(1))
    client.force_login(teacher)
    assert "提示用書類一式が古くなっています" not in client.get("/").content.decode()


def test_nurse_sees_every_trip_of_the_school(client, school, teacher, nurse):
    trip = TripFactory(school=school, title="別の先生の旅行")
    client.force_login(nurse)
    assert trip.title in client.get("/").content.decode()


def test_admin_sees_overdue_purges(client, school, teacher, school_admin):
    past = datetime.date.today() - datetime.timedelta(days=30)
    TripFactory(school=school, start_date=past, end_date=past)
    client.force_login(school_admin)
    page = client.get("/").content.decode()
    assert "削除予定日を過ぎています" in page
    assert '<span data-testid="sum-overdue">1</span>' in page


def test_outsider_sees_no_trip_of_another_school(client, school, teacher, outsider):
    trip = _busy_trip(school, teacher)
    client.force_login(outsider)
    assert trip.title not in client.get("/").content.decode()


def test_home_needs_login(client, db):
    assert client.get("/").status_code == 302
