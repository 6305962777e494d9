"""One guardian per school and e-mail address, whatever its case, held by the database."""

from __future__ import annotations

import base64

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client

from students import roster
from students.models import Guardian, Student
from tests.factories import GuardianFactory, SchoolFactory, StudentFactory, member

pytestmark = pytest.mark.django_db

HEADER = "学籍番号,学年,組,出席番号,氏名,ふりがな,保護者メール"


def test_the_database_refuses_the_same_address_in_another_case(school):
    GuardianFactory(school=school, email="parent@example.jp")
    with pytest.raises(IntegrityError), transaction.atomic():
        GuardianFactory(school=school, email="Parent@Example.JP")


def test_other_schools_and_guardians_without_address_are_free(school):
    GuardianFactory(school=school, email="parent@example.jp")
    GuardianFactory(school=SchoolFactory(), email="parent@example.jp")
    GuardianFactory(school=school, email="")
    GuardianFactory(school=school, email="")
    assert Guardian.objects.count() == 4


def test_get_or_create_for_email_returns_the_row_another_request_created(school, monkeypatch):
    """Two screens add the same address at once: the loser reads the winner's row."""
    winner = GuardianFactory(school=school, email="parent@example.jp")
    queryset = Guardian.objects.get_queryset().__class__
    real_with_email = queryset.with_email
    calls = []

    def blind_first_look(self, school, email):
        calls.append(email)
        found = real_with_email(self, school, email)
        return found.none() if len(calls) == 1 else found

    monkeypatch.setattr(queryset, "with_email", blind_first_look)
    assert Guardian.objects.get_or_create_for_email(school, "PARENT@example.jp") == winner
    assert Guardian.objects.count() == 1


def test_adding_an_existing_address_on_the_screen_shares_the_guardian(school):
    teacher = member(school, "teacher")
    first, second = StudentFactory(school=school), StudentFactory(school=school)
    client = Client()
    client.force_login(teacher)
    for student, email in ((first, "Parent@Example.jp"), (second, "parent@example.JP")):
        response = client.post(
            f"/roster/{student.pk}/guardians/add/", {"name": "", "email": email, "phone": ""}
        )
        assert response.status_code == 302
    guardian = Guardian.objects.get()
    assert guardian.email == "parent@example.jp"
    assert set(guardian.students.all()) == {first, second}


@pytest.fixture
def conflicting_import(school, monkeypatch):
    """A file checked while student 1 was new; another import added them before this one."""
    data = f"{HEADER}\n1,2,1,1,山田 太郎,,p@example.jp\n".encode()
    parsed = roster.parse_roster(data, school)
    assert parsed.ok and len(parsed.to_add) == 1
    StudentFactory(school=school, student_number="1")
    monkeypatch.setattr(roster, "_compare_with_roster", lambda parsed, school: None)
    return data, parsed


def test_a_duplicate_appearing_during_the_import_is_explained(school, conflicting_import):
    _data, parsed = conflicting_import
    with pytest.raises(roster.RosterConflict):
        roster.apply_roster(parsed, school)
    assert Student.objects.filter(school=school).count() == 1
    assert not Guardian.objects.exists()  # all or nothing


def test_the_import_screen_explains_the_duplicate_not_a_500(school, conflicting_import):
    data, _parsed = conflicting_import
    client = Client()
    client.force_login(member(school, "teacher"))
    payload = base64.urlsafe_b64encode(data).decode()
    response = client.post("/roster/import/", {"payload": payload, "confirm": "1"})
    assert response.status_code == 200
    assert "同じ学籍番号の生徒が別の操作で登録されました" in response.content.decode()


def test_the_command_explains_the_duplicate(school, conflicting_import, tmp_path):
    data, _parsed = conflicting_import
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="同じ学籍番号"):
        call_command("import_roster", school.code, str(path))
