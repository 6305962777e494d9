from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import AuditEvent
from students.models import Student
from tests.factories import ParticipantFactory, StudentFactory, TripFactory, member
from trips.models import Participant, ParticipantState, Trip


@pytest.fixture
def trip(school, teacher):
    return TripFactory(school=school, organiser=teacher, title="春の修学旅行")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_participants(trip, n):
    students = Student.objects.bulk_create(
        StudentFactory.build(school=trip.school, grade=2, class_name=str(i % 8 + 1), number=i % 40)
        for i in range(n)
    )
    states = ParticipantState.values
    Participant.objects.bulk_create(
        Participant(trip=trip, student=s, state=states[i % len(states)], group_name=f"{i % 30}班")
        for i, s in enumerate(students)
    )


@pytest.mark.parametrize("query", ["", "?sort=kana", "?sort=state&state=accepted", "?group=1班"])
def test_trip_page_queries_do_not_grow_with_participants(client, trip, teacher, query):
    client.force_login(teacher)
    url = reverse("trips:detail", args=[trip.pk]) + query
    add_participants(trip, 1)
    few = count_queries(client, url)
    add_participants(trip, 319)
    assert trip.participants.count() == 320
    many = count_queries(client, url)
    assert few == many, (few, many)


def test_trip_page_with_320_participants_shows_them_all(client, trip, teacher):
    add_participants(trip, 320)
    client.force_login(teacher)
    page = client.get(reverse("trips:detail", args=[trip.pk])).content.decode()
    assert page.count("<tr data-state=") == 320


def test_dashboard_queries_do_not_grow_with_trips(client, school, teacher):
    client.force_login(teacher)
    add_participants(TripFactory(school=school, organiser=teacher), 3)
    few = count_queries(client, reverse("trips:dashboard"))
    for _ in range(5):
        add_participants(TripFactory(school=school, organiser=teacher), 20)
    assert count_queries(client, reverse("trips:dashboard")) == few


def test_dashboard_shows_progress_and_purge_date(client, school, teacher):
    trip = TripFactory(
        school=school,
        organiser=teacher,
        start_date=datetime.date(2027, 3, 8),
        end_date=datetime.date(2027, 3, 10),
    )
    for state in ["accepted", "accepted", "uploaded", "rejected", "card_carried", "link_sent"]:
        ParticipantFactory(trip=trip, state=state)
    client.force_login(teacher)
    page = client.get(reverse("trips:dashboard")).content.decode()
    assert "2027-03-14 00:00" in page  # purged from 14 March 00:00 JST
    assert 'aria-valuenow="2"' in page and 'data-width="33"' in page  # 2 of 6 accepted
    assert "準備中" in page


def test_participant_filters_and_sorting(client, trip, teacher):
    a = ParticipantFactory(trip=trip, state="accepted", group_name="1班")
    a.student.kana, a.student.name = "あべ", "阿部 一"
    a.student.save()
    b = ParticipantFactory(trip=trip, state="rejected", group_name="2班")
    b.student.kana, b.student.name = "わだ", "和田 二"
    b.student.save()
    client.force_login(teacher)
    url = reverse("trips:detail", args=[trip.pk])
    page = client.get(url, {"state": "rejected"}).content.decode()
    assert "和田 二" in page and "阿部 一" not in page
    page = client.get(url, {"group": "1班"}).content.decode()
    assert "阿部 一" in page and "和田 二" not in page
    page = client.get(url, {"q": "わだ"}).content.decode()
    assert "和田 二" in page and "阿部 一" not in page
    page = client.get(url, {"sort": "kana"}).content.decode()
    assert page.index("阿部 一") < page.index("和田 二")
    page = client.get(url, {"sort": "bogus"}).content.decode()  # junk never breaks the page
    assert "阿部 一" in page


def test_create_trip_through_the_form(client, school, teacher):
    companion = member(school, "teacher")
    client.force_login(teacher)
    response = client.post(
        reverse("trips:create"),
        {
            "title": "宿泊学習",
            "kind": "overnight",
            "destination": "長野",
            "start_date": "2027-06-01",
            "end_date": "2027-06-02",
            "organiser": teacher.pk,
            "accompanying": [companion.pk],
            "contact_phone": "03-1111-2222",
        },
    )
    trip = Trip.objects.get(title="宿泊学習")
    assert response.status_code == 302
    assert response["Location"] == reverse("trips:add_participants", args=[trip.pk])
    assert list(trip.accompanying.all()) == [companion]
    assert AuditEvent.objects.filter(action="trip_created", trip_id=trip.pk).exists()
    assert list(Trip.objects.visible_to(companion)) == [trip]


def test_create_trip_refuses_end_before_start(client, teacher):
    client.force_login(teacher)
    response = client.post(
        reverse("trips:create"),
        {
            "title": "x",
            "kind": "other",
            "start_date": "2027-06-02",
            "end_date": "2027-06-01",
            "organiser": teacher.pk,
        },
    )
    assert response.status_code == 200
    assert "終了日は開始日と同じか" in response.content.decode()
    assert not Trip.objects.exists()


def test_nurse_and_admin_cannot_create_trips(client, nurse, school_admin):
    for user in (nurse, school_admin):
        client.force_login(user)
        assert client.get(reverse("trips:create")).status_code == 403


def test_add_a_class_and_one_student_through_the_page(client, trip, teacher):
    for n in range(1, 4):
        StudentFactory(school=trip.school, grade=1, class_name="2", number=n)
    loner = StudentFactory(school=trip.school, grade=3, class_name="1", name="一人 だけ")
    client.force_login(teacher)
    url = reverse("trips:add_participants", args=[trip.pk])
    page = client.get(url, {"q": "一人"}).content.decode()
    assert "一人 だけ" in page
    client.post(url, {"add_class": "1", "grade": "１", "class_name": "2"})
    assert trip.participants.count() == 3
    client.post(url, {"add_students": "1", "students": [loner.pk]})
    assert trip.participants.count() == 4


def test_groups_page_assigns_groups(client, trip, teacher):
    a, b = ParticipantFactory(trip=trip, group_name=""), ParticipantFactory(trip=trip)
    client.force_login(teacher)
    url = reverse("trips:groups", args=[trip.pk])
    assert client.get(url).status_code == 200
    client.post(url, {f"group_{a.pk}": "A班", f"group_{b.pk}": "B班"})
    assert dict(trip.participants.values_list("pk", "group_name")) == {a.pk: "A班", b.pk: "B班"}


def test_cancel_needs_the_typed_word(client, trip, teacher):
    client.force_login(teacher)
    url = reverse("trips:cancel", args=[trip.pk])
    client.post(url, {"confirm": "はい"})
    trip.refresh_from_db()
    assert trip.cancelled_at is None
    client.post(url, {"confirm": "中止"})
    trip.refresh_from_db()
    assert trip.cancelled_at is not None
    page = client.get(reverse("trips:detail", args=[trip.pk])).content.decode()
    assert "中止" in page
    assert client.get(reverse("trips:add_participants", args=[trip.pk])).status_code == 403


def test_lock_and_unlock_buttons(client, trip, teacher):
    client.force_login(teacher)
    url = reverse("trips:lock", args=[trip.pk])
    client.post(url)
    trip.refresh_from_db()
    assert trip.locked_at is not None
    assert "ロック済" in client.get(reverse("trips:detail", args=[trip.pk])).content.decode()
    client.post(url, {"unlock": "1"})
    trip.refresh_from_db()
    assert trip.locked_at is None


def test_lock_is_post_only(client, trip, teacher):
    client.force_login(teacher)
    assert client.get(reverse("trips:lock", args=[trip.pk])).status_code == 405


def test_trip_page_has_no_inline_script_or_style(client, trip, teacher):
    ParticipantFactory(trip=trip)
    client.force_login(teacher)
    for url in (
        reverse("trips:detail", args=[trip.pk]),
        reverse("trips:dashboard"),
        reverse("trips:groups", args=[trip.pk]),
        reverse("trips:add_participants", args=[trip.pk]),
    ):
        page = client.get(url).content.decode()
        assert "style=" not in page and "<style" not in page
        # Any <script> tag, whatever its attributes, must load a file: none may carry code.
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S | re.I)
        assert scripts and all(body.strip() == "" for body in scripts)
        assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", page, flags=re.I))


def test_pages_are_translated_to_english(client, trip, teacher):
    ParticipantFactory(trip=trip)
    client.force_login(teacher)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    dashboard = client.get(reverse("trips:dashboard")).content.decode()
    assert "New trip" in dashboard and "Preparing" in dashboard
    detail = client.get(reverse("trips:detail", args=[trip.pk])).content.decode()
    assert "Add participants" in detail and "Collection progress" in detail
    roster = client.get(reverse("students:roster")).content.decode()
    assert "Import a CSV" in roster


def test_a_purged_trip_page_says_when_its_documents_were_deleted(client, trip, teacher):
    from django.utils import timezone

    trip.purge_state = "purged"
    trip.purged_at = timezone.now()
    trip.save()
    client.force_login(teacher)
    page = client.get(reverse("trips:detail", args=[trip.pk])).content.decode()
    assert "削除済み" in page
    assert "書類の削除予定" not in page
