from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import AuditEvent
from students import roster
from students.forms import GuardianForm
from students.models import Guardian, Student
from tests.factories import GuardianFactory, StudentFactory

HEADER = "学籍番号,学年,組,出席番号,氏名,ふりがな,保護者メール"


def upload(client, content: bytes, name="roster.csv"):
    return client.post(
        reverse("students:import"), {"file": SimpleUploadedFile(name, content, "text/csv")}
    )


def payload_of(page: str) -> str:
    return re.search(r'name="payload" value="([^"]+)"', page).group(1)


def test_import_screen_previews_then_imports_on_confirm(client, school, teacher):
    StudentFactory(school=school, student_number="1", name="旧 名前")
    content = f"{HEADER}\r\n1,2,1,1,新 名前,,\r\n2,2,1,2,髙橋 花,,\r\n".encode("cp932")
    client.force_login(teacher)
    response = upload(client, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "追加 1人、更新 1人" in page and "cp932" in page
    assert Student.objects.count() == 1  # nothing written before the teacher confirms
    response = client.post(
        reverse("students:import"), {"payload": payload_of(page), "confirm": "1"}
    )
    assert response.status_code == 302
    assert set(Student.objects.values_list("name", flat=True)) == {"新 名前", "髙橋 花"}
    event = AuditEvent.objects.get(action="roster_imported", details__status="done")
    assert event.details["added"] == 1 and event.details["updated"] == 1


def test_import_screen_lists_problems_and_imports_nothing(client, school, teacher):
    client.force_login(teacher)
    page = upload(client, f"{HEADER}\n1,x,1,1,一,,\n2,1,,1,二,,\n".encode()).content.decode()
    assert "2件の問題があります" in page
    assert "学年は1〜12の数字で入力してください。" in page and "組がありません。" in page
    assert 'name="payload"' not in page
    assert not Student.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "入力されたファイルは空です。"),  # the form's own error for an empty upload
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "CSVファイルではありません。"),
        (b"%PDF-1.7\n\x00\xff\xfe", "CSVファイルではありません。"),
    ],
)
def test_import_screen_with_binary_or_empty_file_gives_a_message(client, teacher, content, message):
    client.force_login(teacher)
    response = upload(client, content, name="photo.png")
    assert response.status_code == 200
    page = response.content.decode()
    # One sentence for the teacher, no traceback.
    assert message in page and "Traceback" not in page
    assert not Student.objects.exists()


def test_confirm_with_a_tampered_payload_is_refused(client, teacher):
    client.force_login(teacher)
    response = client.post(reverse("students:import"), {"payload": "!!!", "confirm": "1"})
    assert response.status_code == 200
    assert "ファイルが空です" in response.content.decode()


def roster_of_size(size: int, rows: int = 200) -> bytes:
    """A valid UTF-8 roster of exactly `size` bytes, padded in a column the import ignores."""
    lines = [f"{HEADER},備考\n".encode()]
    lines += [f"{n},2,1,{n % 40 + 1},生徒 {n},,,\n".encode() for n in range(1, rows + 1)]
    padding = size - sum(len(line) for line in lines)
    each, extra = divmod(padding, rows)
    for i in range(1, rows + 1):
        pad = b"x" * (each + (extra if i == 1 else 0))
        lines[i] = lines[i][:-1] + pad + b"\n"
    content = b"".join(lines)
    assert len(content) == size
    return content


def confirm_as_a_browser(client, payload: str):
    """The confirm form is posted url-encoded, where the whole body counts against
    DATA_UPLOAD_MAX_MEMORY_SIZE."""
    body = urlencode({"csrfmiddlewaretoken": "x" * 64, "payload": payload, "confirm": "1"})
    return client.post(
        reverse("students:import"), body, content_type="application/x-www-form-urlencoded"
    )


def test_the_largest_accepted_file_can_be_confirmed(client, teacher):
    client.force_login(teacher)
    response = upload(client, roster_of_size(roster.MAX_BYTES))
    assert response.status_code == 200
    page = response.content.decode()
    assert "追加 200人" in page
    response = confirm_as_a_browser(client, payload_of(page))
    assert response.status_code == 302
    assert Student.objects.count() == 200


def test_a_file_too_large_to_confirm_is_refused_at_the_preview(client, teacher):
    client.force_login(teacher)
    page = upload(client, roster_of_size(roster.MAX_BYTES + 1)).content.decode()
    assert "ファイルが大きすぎます（1.5MBまで）。" in page
    assert 'name="payload"' not in page


def test_the_encoded_preview_fits_the_request_limit(settings):
    encoded = 4 * -(-roster.MAX_BYTES // 3)
    assert encoded + 4096 <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_lowered_request_limit_refuses_at_the_preview_not_the_confirm(client, teacher, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 16_384
    client.force_login(teacher)
    page = upload(client, roster_of_size(12_000, rows=20)).content.decode()
    assert "いくつかのファイルに分けて" in page and 'name="payload"' not in page
    page = upload(client, roster_of_size(6_000, rows=20)).content.decode()
    assert confirm_as_a_browser(client, payload_of(page)).status_code == 302
    assert Student.objects.count() == 20


def test_roster_filters_by_class_and_searches_name_and_kana(client, school, teacher):
    StudentFactory(school=school, grade=1, class_name="1", name="青木 一", kana="あおき はじめ")
    StudentFactory(school=school, grade=1, class_name="2", name="伊藤 二", kana="いとう じ")
    StudentFactory(school=school, grade=2, class_name="1", name="上田 三", kana="うえだ さん")
    StudentFactory(school=school, name="無効 生徒", active=False)
    client.force_login(teacher)
    url = reverse("students:roster")

    def names(**params):
        page = client.get(url, params).content.decode()
        return {n for n in ("青木 一", "伊藤 二", "上田 三", "無効 生徒") if n in page}

    assert names() == {"青木 一", "伊藤 二", "上田 三"}
    assert names(grade=1, class_name="2") == {"伊藤 二"}
    assert names(q="うえだ") == {"上田 三"}
    assert names(q="青木") == {"青木 一"}
    assert names(inactive="on") == {"青木 一", "伊藤 二", "上田 三", "無効 生徒"}


def test_roster_queries_do_not_grow_with_students(client, school, teacher):
    client.force_login(teacher)
    GuardianFactory(school=school).students.add(StudentFactory(school=school))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("students:roster")).status_code == 200
        return len(queries)

    few = count()
    for _ in range(60):
        GuardianFactory(school=school).students.add(StudentFactory(school=school))
    assert count() == few


def test_add_edit_and_deactivate_a_student(client, school, teacher):
    client.force_login(teacher)
    data = {"student_number": "２０２５９", "grade": 1, "class_name": "Ａ", "name": "山\ufa11 太"}
    response = client.post(reverse("students:create"), data)
    student = Student.objects.get(school=school)
    assert response.status_code == 302
    assert (student.student_number, student.class_name, student.name) == (
        "20259",
        "A",
        "山\ufa11 太",
    )
    response = client.post(reverse("students:create"), {**data, "name": "別人"})
    assert "すでに名簿にあります" in response.content.decode()
    client.post(reverse("students:edit", args=[student.pk]), {**data, "grade": 2})
    student.refresh_from_db()
    assert student.grade == 2
    client.post(reverse("students:deactivate", args=[student.pk]))
    student.refresh_from_db()
    assert not student.active
    client.post(reverse("students:deactivate", args=[student.pk]), {"activate": "1"})
    student.refresh_from_db()
    assert student.active
    events = AuditEvent.objects.exclude(action="login").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == [
        "student_created",
        "student_changed",
        "student_deactivated",
        "student_changed",
    ]
    assert "山" not in str(list(AuditEvent.objects.values("details")))


def test_guardians_are_shared_by_siblings_and_removed_when_unlinked(client, school, teacher):
    older, younger = StudentFactory(school=school), StudentFactory(school=school)
    client.force_login(teacher)
    for student in (older, younger):
        client.post(
            reverse("students:guardian_add", args=[student.pk]),
            {"name": "保護者", "email": "Parent@example.jp", "phone": ""},
        )
    guardian = Guardian.objects.get(school=school)
    assert set(guardian.students.all()) == {older, younger}
    for student in (older, younger):
        client.post(reverse("students:guardian_remove", args=[student.pk, guardian.pk]))
    assert not Guardian.objects.exists()


def test_guardian_needs_a_name_or_an_email(client, school, teacher):
    student = StudentFactory(school=school)
    client.force_login(teacher)
    client.post(reverse("students:guardian_add", args=[student.pk]), {"phone": "090"})
    assert not Guardian.objects.exists()


def test_another_schools_guardian_cannot_be_unlinked(client, school, teacher):
    student = StudentFactory(school=school)
    foreign = GuardianFactory()
    foreign.students.add(StudentFactory(school=foreign.school))
    client.force_login(teacher)
    url = reverse("students:guardian_remove", args=[student.pk, foreign.pk])
    assert client.post(url).status_code == 404
    assert Guardian.objects.filter(pk=foreign.pk).exists()


def test_import_preview_counts_a_new_guardian_as_an_update(client, school, teacher):
    student = StudentFactory(school=school, student_number="1", grade=1, class_name="1", number=1)
    content = f"{HEADER}\n1,1,1,1,{student.name},{student.kana},p@example.jp\n".encode()
    client.force_login(teacher)
    page = upload(client, content).content.decode()
    assert "追加 0人、更新 1人" in page
    assert "変更なし" not in page
    response = client.post(
        reverse("students:import"), {"payload": payload_of(page), "confirm": "1"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="roster_imported", details__status="done")
    assert (event.details["added"], event.details["updated"]) == (0, 1)
    assert list(student.guardians.values_list("email", flat=True)) == ["p@example.jp"]


def test_guardian_form_stores_the_email_in_lower_case(school):
    form = GuardianForm({"name": "", "email": " Parent@Example.JP ", "phone": ""})
    assert form.is_valid(), form.errors
    assert form.save(commit=False).email == "parent@example.jp"


def test_the_admin_never_reads_guardian_addresses(client, school, school_admin):
    """Admins keep to metadata (DESIGN §3): the roster list, no contact details (issue 14)."""
    from tests.factories import GuardianFactory

    student = StudentFactory(school=school)
    student.guardians.add(GuardianFactory(school=school, email="private@example.jp"))
    client.force_login(school_admin)
    roster = client.get(reverse("students:roster"))
    assert roster.status_code == 200 and "private@example.jp" not in roster.content.decode()
    for url in (
        reverse("students:edit", args=[student.pk]),
        reverse("students:import"),
        reverse("students:guardian_add", args=[student.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (403, 404, 405), url
        assert "private@example.jp" not in response.content.decode()
