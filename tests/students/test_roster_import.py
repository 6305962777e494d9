from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from schools.models import AuditEvent
from students.models import Guardian, Student
from students.roster import apply_roster, parse_roster
from tests.factories import GuardianFactory, SchoolFactory, StudentFactory

HEADER_JA = "学籍番号,学年,組,出席番号,氏名,ふりがな,保護者メール"
TAKAHASHI = "髙橋 一郎"  # 髙 (U+9AD9) is not the 高 of the JIS basic set
YAMASAKI = "山\ufa11　花子"  # 﨑 (U+FA11) is a compatibility ideograph: NFKC would make it 崎


def csv_bytes(lines: list[str], *, encoding="utf-8", newline="\n") -> bytes:
    return newline.join(lines).encode(encoding) + newline.encode()


def import_ok(school, data: bytes):
    parsed = parse_roster(data, school)
    assert parsed.ok, [str(p) for p in parsed.problems]
    return parsed, apply_roster(parsed, school)


def test_cp932_with_crlf_keeps_old_style_kanji(school):
    data = csv_bytes(
        [
            HEADER_JA,
            f"2025001,2,1,1,{TAKAHASHI},たかはし いちろう,taka@example.jp",
            f"2025002,2,1,2,{YAMASAKI},やまさき はなこ,",
        ],
        encoding="cp932",
        newline="\r\n",
    )
    parsed, result = import_ok(school, data)
    assert parsed.encoding == "cp932"
    assert (result.added, result.updated) == (2, 0)
    assert Student.objects.get(student_number="2025001").name == TAKAHASHI
    assert Student.objects.get(student_number="2025002").name == YAMASAKI
    assert "\ufa11" in Student.objects.get(student_number="2025002").name


def test_utf8_with_bom_and_english_headers(school):
    data = "\ufeffstudent_number,grade,class,number,name,kana,guardian_email\n"
    data += "A-1,3,B,5,佐藤 次郎,さとう じろう,\n"
    parsed, _result = import_ok(school, data.encode("utf-8"))
    assert parsed.encoding == "utf-8"
    student = Student.objects.get(school=school, student_number="A-1")
    assert (student.grade, student.class_name, student.number) == (3, "B", 5)


def test_full_width_digits_and_half_width_kana_are_normalised(school):
    data = csv_bytes(
        [HEADER_JA, "２０２５０１０,２年,３組,１２番,鈴木 三郎,ｽｽﾞｷ ｻﾌﾞﾛｳ,ＳＵＺＵＫＩ＠example.jp"]
    )
    import_ok(school, data)
    student = Student.objects.get(school=school, student_number="2025010")
    assert (student.grade, student.class_name, student.number) == (2, "3", 12)
    assert student.kana == "スズキ サブロウ"
    assert student.guardians.get().email == "suzuki@example.jp"


def test_bad_lines_list_every_problem_and_import_nothing(school):
    data = csv_bytes(
        [
            HEADER_JA,
            "2025001,2,1,1,良い 行,,",
            "2025002,x,1,1,学年が変,,",
            "2025003,2,,1,,,not-an-email",
            "2025004,13,1,abc,範囲外,,",
        ]
    )
    parsed = parse_roster(data, school)
    found = {(p.line, p.column) for p in parsed.problems}
    assert found == {
        (3, "学年"),
        (4, "組"),
        (4, "氏名"),
        (4, "保護者メール"),
        (5, "学年"),
        (5, "出席番号"),
    }
    assert all(p.reason for p in parsed.problems)
    with pytest.raises(ValueError):
        apply_roster(parsed, school)
    assert not Student.objects.exists()


def test_duplicates_inside_the_file_are_refused_with_both_lines(school):
    data = csv_bytes([HEADER_JA, "100,1,1,1,一,,", "101,1,1,2,二,,", "１００,1,1,3,三,,"])
    parsed = parse_roster(data, school)
    assert len(parsed.problems) == 1
    problem = parsed.problems[0]
    assert (problem.line, problem.column) == (4, "学籍番号")
    assert "2" in problem.reason  # names the first line


def test_line_numbers_count_quoted_line_breaks(school):
    data = csv_bytes([HEADER_JA, '1,1,1,1,"改行\nあり",,', "2,x,1,1,二,,"])
    parsed = parse_roster(data, school)
    assert [(p.line, p.column) for p in parsed.problems] == [(4, "学年")]


def test_missing_required_header_is_reported_on_line_one(school):
    parsed = parse_roster(csv_bytes(["学籍番号,学年,氏名", "1,1,一"]), school)
    assert [(p.line, p.column) for p in parsed.problems] == [(1, "組")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\r\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # an .xlsx
        bytes(range(256)) * 4,
    ],
    ids=["empty", "blank-lines", "png", "xlsx", "random"],
)
def test_binary_or_empty_file_gets_one_clear_message(school, data):
    parsed = parse_roster(data, school)
    assert len(parsed.problems) == 1
    assert parsed.problems[0].line == 0
    assert parsed.problems[0].reason


def test_known_student_number_updates_that_student(school):
    student = StudentFactory(school=school, student_number="2025001", grade=1, name="旧姓 花子")
    other_school = StudentFactory(student_number="2025001", grade=1)
    data = csv_bytes(
        [HEADER_JA, "2025001,2,4,7,新姓 花子,しんせい はなこ,", "2025002,2,4,8,新入 生,,"]
    )
    _parsed, result = import_ok(school, data)
    assert (result.added, result.updated) == (1, 1)
    student.refresh_from_db()
    assert (student.grade, student.class_name, student.number, student.name) == (
        2,
        "4",
        7,
        "新姓 花子",
    )
    other_school.refresh_from_db()
    assert other_school.grade == 1


def test_reimporting_the_same_file_changes_nothing(school):
    data = csv_bytes([HEADER_JA, "1,1,1,1,一,,a@example.jp", "2,1,1,2,二,,a@example.jp"])
    import_ok(school, data)
    _, result = import_ok(school, data)
    assert (result.added, result.updated, result.unchanged) == (0, 0, 2)
    # Siblings share one guardian.
    guardian = Guardian.objects.get(school=school)
    assert guardian.students.count() == 2


@pytest.mark.slow
def test_five_thousand_lines_import_and_reimport(school):
    """Speed is measured by `make bench` (bench roster-5000), not asserted here."""
    lines = [HEADER_JA]
    for n in range(5000):
        lines.append(
            f"{300000 + n},{n % 3 + 1},{n % 8 + 1},{n % 40 + 1},生徒 {n},せいと {n},g{n}@example.jp"
        )
    data = csv_bytes(lines, encoding="cp932", newline="\r\n")
    _parsed, result = import_ok(school, data)
    assert result.added == 5000
    _, again = import_ok(school, data)
    assert again.unchanged == 5000
    assert Student.objects.filter(school=school).count() == 5000


def test_command_imports_and_reports_counts(school, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([HEADER_JA, f"1,1,1,1,{TAKAHASHI},,"], encoding="cp932"))
    call_command("import_roster", school.code, str(path))
    assert "added 1, updated 0" in capsys.readouterr().out
    event = AuditEvent.objects.get(action="roster_imported")
    assert event.details == {"method": "cli", "status": "done", "added": 1, "updated": 0}


def test_command_with_bad_lines_prints_each_and_exits_1(school, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([HEADER_JA, "1,x,1,1,一,,", "2,1,,1,二,,"]))
    with pytest.raises(CommandError) as error, translation.override("ja"):
        call_command("import_roster", school.code, str(path))
    assert error.value.returncode == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "2行目 [学年]: 学年は1〜12の数字で入力してください。",
        "3行目 [組]: 組がありません。",
    ]
    assert not Student.objects.exists()


def test_command_with_unknown_school_or_file_fails_cleanly(school, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", "NO-SUCH", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError):
        call_command("import_roster", school.code, str(tmp_path / "missing.csv"))


def test_other_schools_roster_is_untouched(db):
    school, other = SchoolFactory(), SchoolFactory()
    import_ok(school, csv_bytes([HEADER_JA, "1,1,1,1,一,,"]))
    assert not Student.objects.filter(school=other).exists()


def test_sample_roster_in_docs_imports(school, capsys):
    from django.conf import settings

    call_command("import_roster", school.code, str(settings.BASE_DIR / "docs/sample_roster.csv"))
    assert "added 5, updated 0" in capsys.readouterr().out
    assert Student.objects.get(student_number="20250103").name == "山\ufa11\u3000健太"
    assert Student.objects.get(student_number="20250104").kana == "サトウ ミサキ"
    shared = Guardian.objects.get(email="takahashi@example.jp")
    assert shared.students.count() == 2


def test_a_bad_lines_twin_is_reported_as_a_duplicate(school):
    parsed = parse_roster(csv_bytes([HEADER_JA, "7,x,1,1,一,,", "7,1,1,2,二,,"]), school)
    assert [(p.line, p.column) for p in parsed.problems] == [(2, "学年"), (3, "学籍番号")]


def test_a_new_guardian_email_is_a_change_in_the_preview_and_the_counts(school):
    """The preview, apply_roster and the command agree: linking a guardian updates the row."""
    student = StudentFactory(school=school, student_number="1", grade=1, class_name="1", number=1)
    GuardianFactory(school=school, email="old@example.jp").students.add(student)
    line = f"1,1,1,1,{student.name},{student.kana},new@example.jp"
    parsed = parse_roster(csv_bytes([HEADER_JA, line]), school)
    assert parsed.ok
    assert [r.changes for r in parsed.to_update] == [["guardian_email"]]
    result = apply_roster(parsed, school)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    assert sorted(student.guardians.values_list("email", flat=True)) == [
        "new@example.jp",
        "old@example.jp",
    ]
    # Once linked, the same file changes nothing; a row without an e-mail unlinks nobody.
    _, again = import_ok(school, csv_bytes([HEADER_JA, line]))
    assert (again.updated, again.unchanged) == (0, 1)
    blank = parse_roster(csv_bytes([HEADER_JA, line.rsplit(",", 1)[0] + ","]), school)
    assert [r.changes for r in blank.to_update] == [[]]


def test_command_counts_a_guardian_only_change_as_updated(school, tmp_path, capsys):
    student = StudentFactory(school=school, student_number="1", grade=1, class_name="1", number=1)
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([HEADER_JA, f"1,1,1,1,{student.name},{student.kana},p@example.jp"]))
    call_command("import_roster", school.code, str(path))
    assert "added 0, updated 1, unchanged 0" in capsys.readouterr().out
    assert list(student.guardians.values_list("email", flat=True)) == ["p@example.jp"]


def test_a_guardian_stored_in_mixed_case_is_matched_not_duplicated(school):
    older = StudentFactory(school=school, student_number="1", grade=2, class_name="1", number=1)
    guardian = GuardianFactory(school=school, email="Parent@Example.JP")
    guardian.students.add(older)
    lines = [
        HEADER_JA,
        f"1,2,1,1,{older.name},{older.kana},parent@example.jp",
        "2,1,1,2,弟,,PARENT@example.jp",
    ]
    _parsed, result = import_ok(school, csv_bytes(lines))
    assert (result.added, result.updated, result.unchanged) == (1, 0, 1)
    assert Guardian.objects.filter(school=school).count() == 1
    assert set(guardian.students.values_list("student_number", flat=True)) == {"1", "2"}
