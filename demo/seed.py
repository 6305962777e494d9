"""The demo school behind `make run` and `manage.py seed_demo` (idempotent)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from schools.models import Membership, Role, School
from students.models import Guardian, Student
from trips.models import Participant, ParticipantState, Trip, TripKind

DEMO_PASSWORD = "schooltrips-demo"  # noqa: S105  (printed for the local demo only)
DEMO_USERS = [
    ("demo-teacher", Role.TEACHER, "山田", "先生"),
    ("demo-nurse", Role.NURSE, "佐藤", "先生"),
    ("demo-admin", Role.ADMIN, "鈴木", "教頭"),
]
FAMILY = ["髙橋", "山﨑", "佐藤", "鈴木", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"]
GIVEN = ["陽翔", "結菜", "蓮", "葵", "湊", "凛", "蒼", "陽葵", "樹", "紬"]
FAMILY_KANA = [
    "たかはし",
    "やまさき",
    "さとう",
    "すずき",
    "たなか",
    "いとう",
    "わたなべ",
    "なかむら",
    "こばやし",
    "かとう",
]
GIVEN_KANA = [
    "はると",
    "ゆいな",
    "れん",
    "あおい",
    "みなと",
    "りん",
    "あお",
    "ひまり",
    "いつき",
    "つむぎ",
]


@dataclass
class DemoResult:
    school: School
    users: list[tuple[str, str]]
    trips: list[Trip]


def _student(school: School, index: int) -> Student:
    grade, class_name, number = 2, str(index // 20 + 1), index % 20 + 1
    name = f"{FAMILY[index % 10]} {GIVEN[(index // 10 + index) % 10]}"
    kana = f"{FAMILY_KANA[index % 10]} {GIVEN_KANA[(index // 10 + index) % 10]}"
    student, _ = Student.objects.update_or_create(
        school=school,
        student_number=f"2025{index + 1:04d}",
        defaults={
            "grade": grade,
            "class_name": class_name,
            "number": number,
            "name": name,
            "kana": kana,
            "active": True,
        },
    )
    guardian, _ = Guardian.objects.get_or_create(
        school=school,
        email=f"guardian{index + 1:03d}@example.jp",
        defaults={"name": f"{FAMILY[index % 10]} 保護者"},
    )
    guardian.students.add(student)
    return student


@transaction.atomic
def seed_demo() -> DemoResult:
    school, _ = School.objects.get_or_create(
        code="DEMO01",
        defaults={"name": "デモ市立第一中学校", "grace_days": 3, "phone": "03-1234-5678"},
    )
    User = get_user_model()
    users = []
    by_role = {}
    for username, role, last, first in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"last_name": last, "first_name": first}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.update_or_create(user=user, school=school, defaults={"role": role})
        users.append((username, role))
        by_role[role] = user

    students = [_student(school, i) for i in range(40)]
    today = timezone.localdate()
    collecting, _ = Trip.objects.get_or_create(
        school=school,
        title="2年生 修学旅行（京都・奈良）",
        defaults={
            "kind": TripKind.SCHOOL_TRIP,
            "destination": "京都府・奈良県",
            "start_date": today + datetime.timedelta(days=21),
            "end_date": today + datetime.timedelta(days=23),
            "collection_deadline": today + datetime.timedelta(days=14),
            "organiser": by_role[Role.TEACHER],
            "contact_phone": "090-0000-0000",
            "collecting_since": timezone.now(),
        },
    )
    collecting.accompanying.add(by_role[Role.NURSE])
    for index, student in enumerate(students[:32]):
        Participant.objects.get_or_create(
            trip=collecting,
            student=student,
            defaults={"group_name": f"{index // 6 + 1}班", "state": ParticipantState.NOT_REQUESTED},
        )
    finished, _ = Trip.objects.get_or_create(
        school=school,
        title="バスケットボール部 夏季合宿",
        defaults={
            "kind": TripKind.CLUB_CAMP,
            "destination": "長野県",
            "start_date": today - datetime.timedelta(days=3),
            "end_date": today - datetime.timedelta(days=1),
            "organiser": by_role[Role.TEACHER],
            "contact_phone": "090-0000-0001",
        },
    )
    for student in students[32:40]:
        Participant.objects.get_or_create(
            trip=finished,
            student=student,
            defaults={"group_name": "", "state": ParticipantState.CARD_CARRIED},
        )
    return DemoResult(school=school, users=users, trips=[collecting, finished])


def trip_status(trip: Trip) -> str:
    """The trip's status code, as the trips app derives it."""
    status = getattr(trip, "status", None)
    return str(getattr(status, "value", status) or "unknown")
