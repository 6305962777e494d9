"""The access matrix: every trip and roster URL, tried by every role and by another school."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schools.models import AuditEvent
from tests.factories import ParticipantFactory, StudentFactory, TripFactory, member
from trips.models import Trip

# (url name, needs participant id, method): GETs read, POSTs and form pages change things.
TRIP_READ = [("trips:detail", False, "get")]
TRIP_WRITE = [
    ("trips:edit", False, "get"),
    ("trips:lock", False, "post"),
    ("trips:cancel", False, "get"),
    ("trips:cancel", False, "post"),
    ("trips:add_participants", False, "get"),
    ("trips:add_participants", False, "post"),
    ("trips:groups", False, "get"),
    ("trips:groups", False, "post"),
    ("trips:remove_participant", True, "post"),
]


@pytest.fixture
def setting(school, teacher, nurse, school_admin, outsider):
    trip = TripFactory(school=school, organiser=teacher)
    companion = member(school, "teacher")
    trip.accompanying.add(companion)
    participant = ParticipantFactory(trip=trip)
    return {
        "trip": trip,
        "participant": participant,
        "users": {
            "organiser": teacher,
            "companion": companion,
            "colleague": member(school, "teacher"),  # same school, not on this trip
            "nurse": nurse,
            "admin": school_admin,
            "outsider": outsider,
            "outsider_nurse": member(outsider.memberships.get().school, "nurse"),
        },
    }


def url_for(name, with_participant, setting):
    args = [setting["trip"].pk]
    if with_participant:
        args.append(setting["participant"].pk)
    return reverse(name, args=args)


EXPECTED_READ = {
    "organiser": 200,
    "companion": 200,
    "colleague": 404,
    "nurse": 200,
    "admin": 200,
    "outsider": 404,
    "outsider_nurse": 404,
}
EXPECTED_WRITE = {
    "organiser": (200, 302),
    "companion": (200, 302),
    "colleague": (404,),
    "nurse": (403,),
    "admin": (403,),
    "outsider": (404,),
    "outsider_nurse": (404,),
}


@pytest.mark.parametrize("who", list(EXPECTED_READ))
@pytest.mark.parametrize("name,with_participant,method", TRIP_READ + TRIP_WRITE)
def test_trip_urls_answer_by_role(client, setting, who, name, with_participant, method):
    client.force_login(setting["users"][who])
    url = url_for(name, with_participant, setting)
    response = getattr(client, method)(url)
    if (name, with_participant, method) in TRIP_READ:
        assert response.status_code == EXPECTED_READ[who]
    else:
        assert response.status_code in EXPECTED_WRITE[who]
    if response.status_code in (403, 404):
        assert AuditEvent.objects.filter(action="access_denied", actor_id=setting["users"][who].pk)
    # Nothing changed for anyone who was refused.
    trip = Trip.objects.get(pk=setting["trip"].pk)
    if response.status_code in (403, 404):
        assert trip.locked_at is None and trip.cancelled_at is None
        assert trip.participants.count() == 1


def test_unknown_trip_id_is_404_even_for_the_organiser(client, teacher):
    client.force_login(teacher)
    assert client.get(reverse("trips:detail", args=[999999])).status_code == 404


def test_anonymous_users_are_sent_to_login(client, setting):
    response = client.get(url_for("trips:detail", False, setting))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_participant_of_another_trip_cannot_be_removed_through_mine(client, setting, teacher):
    foreign = ParticipantFactory()  # another school's trip
    client.force_login(teacher)
    url = reverse("trips:remove_participant", args=[setting["trip"].pk, foreign.pk])
    assert client.post(url).status_code == 404
    assert foreign.__class__.objects.filter(pk=foreign.pk).exists()


def test_admin_sees_metadata_but_no_names(client, setting, school_admin):
    client.force_login(school_admin)
    page = client.get(url_for("trips:detail", False, setting)).content.decode()
    assert setting["trip"].title in page
    assert setting["participant"].student.name not in page


def test_dashboard_lists_only_visible_trips(client, school, teacher, nurse, school_admin):
    mine = TripFactory(school=school, organiser=teacher, title="私の旅行")
    accompanied = TripFactory(school=school, title="引率する旅行")
    accompanied.accompanying.add(teacher)
    other = TripFactory(school=school, title="同僚の旅行")
    foreign = TripFactory(title="他校の旅行")
    pages = {}
    for who, user in {"teacher": teacher, "nurse": nurse, "admin": school_admin}.items():
        client.force_login(user)
        pages[who] = client.get(reverse("trips:dashboard")).content.decode()
    assert mine.title in pages["teacher"] and accompanied.title in pages["teacher"]
    assert other.title not in pages["teacher"]
    for who in ("nurse", "admin"):
        assert all(t.title in pages[who] for t in (mine, accompanied, other))
    assert all(foreign.title not in page for page in pages.values())


def test_visible_to_lists_an_accompanied_trip_once(school, teacher):
    trip = TripFactory(school=school, organiser=teacher)
    trip.accompanying.add(teacher, member(school, "teacher"), member(school, "teacher"))
    assert list(Trip.objects.visible_to(teacher)) == [trip]


# --- Roster URLs.
ROSTER_WRITE = [
    ("students:edit", "get"),
    ("students:edit", "post"),
    ("students:deactivate", "post"),
    ("students:guardian_add", "post"),
]


@pytest.mark.parametrize("name,method", ROSTER_WRITE)
@pytest.mark.parametrize(
    "who,expected",
    [("teacher", (200, 302)), ("admin", (404,)), ("nurse", (404,)), ("outsider", (404,))],
)
def test_student_urls_answer_by_role(
    client, school, teacher, nurse, school_admin, outsider, name, method, who, expected
):
    student = StudentFactory(school=school)
    user = {"teacher": teacher, "admin": school_admin, "nurse": nurse, "outsider": outsider}[who]
    client.force_login(user)
    response = getattr(client, method)(reverse(name, args=[student.pk]))
    assert response.status_code in expected
    if response.status_code == 404:
        student.refresh_from_db()
        assert student.active
        assert not student.guardians.exists()


def test_roster_pages_refuse_users_without_a_school(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    for name in ("students:roster", "students:create", "students:import", "trips:create"):
        assert client.get(reverse(name)).status_code == 403


def test_nurse_reads_the_roster_but_cannot_add(client, school, nurse):
    StudentFactory(school=school, name="保健 太郎")
    client.force_login(nurse)
    assert "保健 太郎" in client.get(reverse("students:roster")).content.decode()
    assert client.get(reverse("students:create")).status_code == 403
    assert client.get(reverse("students:import")).status_code == 403


def test_roster_shows_only_my_schools_students(client, teacher, outsider, school):
    StudentFactory(school=school, name="自校 生徒")
    client.force_login(outsider)
    assert "自校 生徒" not in client.get(reverse("students:roster")).content.decode()
