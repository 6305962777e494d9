"""A NUL character in any query string or form field answers a clear 400, never a 500.

PostgreSQL refuses NUL in text columns, so a raw value reaching the database was a 500 there
(issue 14: group names). The check sits in one middleware; these cases cover every kind of entry.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from schools.middleware import PERMISSIONS_POLICY
from students.models import Student
from tests.factories import ParticipantFactory, StudentFactory, TripFactory
from trips.models import Participant


@pytest.fixture
def trip(school, teacher):
    return TripFactory(school=school, organiser=teacher)


def _refused(response) -> None:
    assert response.status_code == 400
    assert "制御文字" in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["trips:dashboard", "students:roster", "retention:audit_log", "retention:paper_copies"],
)
def test_nul_in_a_query_string_is_refused(client, teacher, school_admin, url_name):
    client.force_login(school_admin if url_name.startswith("retention") else teacher)
    _refused(client.get(reverse(url_name), {"q": "山田\x00", "page": "1\x00"}))


def test_nul_in_a_group_name_is_refused_and_nothing_is_saved(client, teacher, trip):
    participant = ParticipantFactory(trip=trip, group_name="1班")
    client.force_login(teacher)
    response = client.post(
        reverse("trips:groups", args=[trip.pk]), {f"group_{participant.pk}": "2班\x00"}
    )
    _refused(response)
    assert Participant.objects.get(pk=participant.pk).group_name == "1班"


def test_nul_in_a_student_form_is_refused(client, teacher, school):
    client.force_login(teacher)
    before = Student.objects.count()
    response = client.post(
        reverse("students:create"),
        {"student_number": "9\x009", "grade": "2", "class_name": "1", "name": "山田\x00"},
    )
    _refused(response)
    assert Student.objects.count() == before


def test_nul_in_a_field_name_is_refused(client, teacher, trip):
    StudentFactory(school=trip.school)
    client.force_login(teacher)
    _refused(client.post(reverse("trips:edit", args=[trip.pk]), {"title\x00": "x"}))


def test_every_response_carries_a_permissions_policy(client, teacher):
    assert client.get(reverse("login"))["Permissions-Policy"] == PERMISSIONS_POLICY
    client.force_login(teacher)
    response = client.get(reverse("trips:dashboard"))
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
