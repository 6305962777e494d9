"""A teacher of two schools acts in the school they chose; never an arbitrary first one."""

from __future__ import annotations

import pytest
from django.test import Client

from schools.middleware import SESSION_KEY
from schools.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_schools():
    first, second = (
        factories.SchoolFactory(name="東中学校"),
        factories.SchoolFactory(name="西中学校"),
    )
    teacher = factories.member(first, "teacher")
    Membership.objects.create(user=teacher, school=second, role="teacher")
    return teacher, first, second


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_without_a_choice_every_page_asks_for_the_school(two_schools):
    teacher, _first, _second = two_schools
    client = _client(teacher)
    for path in ("/", "/roster/", "/trips/new/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/school/?next={path.replace('/', '%2F')}"
    page = client.get("/school/").content.decode()
    assert "東中学校" in page and "西中学校" in page
    assert client.get("/healthz").status_code in (200, 503)  # never redirected


def test_the_chosen_school_scopes_the_screens_and_can_be_switched(two_schools):
    teacher, first, second = two_schools
    in_first = factories.StudentFactory(school=first, name="東 一郎")
    in_second = factories.StudentFactory(school=second, name="西 二郎")
    trip_in_first = factories.TripFactory(school=first, organiser=teacher)
    client = _client(teacher)

    response = client.post("/school/", {"school": second.pk, "next": "/roster/"})
    assert response["Location"] == "/roster/"
    assert client.session[SESSION_KEY] == second.pk
    roster = client.get("/roster/").content.decode()
    assert in_second.name in roster and in_first.name not in roster
    # Another school's trip is out of reach until the teacher switches to it.
    assert client.get(f"/trips/{trip_in_first.pk}/").status_code == 404
    assert "学校を切り替える" in client.get("/").content.decode()

    client.post("/school/", {"school": first.pk})
    assert client.get(f"/trips/{trip_in_first.pk}/").status_code == 200
    roster = client.get("/roster/").content.decode()
    assert in_first.name in roster and in_second.name not in roster


def test_a_school_the_user_does_not_belong_to_cannot_be_chosen(two_schools):
    teacher, _first, _second = two_schools
    client = _client(teacher)
    assert client.post("/school/", {"school": factories.SchoolFactory().pk}).status_code == 404
    assert SESSION_KEY not in client.session


def test_next_never_leaves_the_site(two_schools):
    teacher, first, _second = two_schools
    response = _client(teacher).post(
        "/school/", {"school": first.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_member_of_one_school_is_never_asked(teacher):
    client = _client(teacher)
    assert client.get("/").status_code == 200
    assert "学校を切り替える" not in client.get("/").content.decode()
