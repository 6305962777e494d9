"""Roster CSV import: one code path for the screen and `manage.py import_roster` (DESIGN.md §5).

All or nothing: `parse_roster` reads the whole file and lists every problem (line, column,
reason); `apply_roster` writes only a problem-free result, in one transaction. Japanese school
systems export CP932 (Shift_JIS) with CRLF; spreadsheets save UTF-8 with a BOM; both are detected.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import School

from .models import Guardian, Student

# A school's roster is a few thousand lines; anything far bigger is not a roster. The screen
# sends the previewed file back base64-encoded (4/3 of its size) in an ordinary form post, which
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB) bounds: 1.5 MiB encodes to 2 MiB and leaves room for the
# rest of the form, so every file accepted for the preview can be confirmed. A test holds the two
# together. 1.5 MiB is still some 15,000 lines with guardian e-mails.
MAX_BYTES = 3 * 512 * 1024
MAX_ROWS = 20_000

# Canonical field -> accepted header spellings (compared after NFKC, trimming and lower-casing).
HEADERS: dict[str, tuple[str, ...]] = {
    "student_number": ("学籍番号", "student_number", "student number", "生徒番号", "児童番号"),
    "grade": ("学年", "grade"),
    "class_name": ("組", "class", "class_name", "クラス"),
    "number": ("出席番号", "number", "番号", "attendance_number"),
    "name": ("氏名", "name", "名前"),
    "kana": ("ふりがな", "kana", "フリガナ", "氏名かな", "よみがな"),
    "guardian_email": ("保護者メール", "guardian_email", "保護者メールアドレス", "email"),
}
REQUIRED = ("student_number", "grade", "class_name", "name")
STUDENT_FIELDS = ("grade", "class_name", "number", "name", "kana")

_STUDENT_NUMBER = re.compile(r"^[0-9A-Za-z\-]{1,20}$")
_SPACES = re.compile(r"[ \u3000\t]+")


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = _("%(line)d行目") % {"line": self.line} if self.line else _("ファイル")
        if self.column:
            where += f" [{self.column}]"
        return f"{where}: {self.reason}"


@dataclass
class Row:
    line: int
    student_number: str
    grade: int
    class_name: str
    number: int | None
    name: str
    kana: str
    guardian_email: str
    # Filled by `parse_roster` against the current roster: None for a new student; `changes`
    # names the STUDENT_FIELDS that differ, and "guardian_email" for a guardian to be linked.
    existing_id: int | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class RosterFile:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def to_add(self) -> list[Row]:
        return [r for r in self.rows if r.existing_id is None]

    @property
    def to_update(self) -> list[Row]:
        return [r for r in self.rows if r.existing_id is not None]


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding's name; ValueError with a message for a teacher otherwise."""
    if not data or not data.strip():
        raise ValueError(_("ファイルが空です。"))
    if len(data) > MAX_BYTES:
        raise ValueError(_("ファイルが大きすぎます（1.5MBまで）。"))
    # NUL bytes never occur in a CSV in either encoding: this is a spreadsheet, PDF or image.
    if b"\x00" in data[:8192]:
        raise ValueError(
            _("CSVファイルではありません。表計算ソフトで「CSV」形式で保存してください。")
        )
    # Valid UTF-8 is almost never valid-looking CP932 by accident, so UTF-8 is tried first.
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text, "utf-8" if encoding == "utf-8-sig" else "cp932"
    raise ValueError(
        _("文字コードを判別できません。UTF-8 または Shift_JIS（CP932）の CSV を選んでください。")
    )


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\r\n\t")
    return controls > len(sample) // 100


def _cell(value: str) -> str:
    """NFKC for numbers, codes and kana: full-width digits and half-width kana become plain."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def _name(value: str) -> str:
    # Never NFKC a name: it would turn 﨑 (U+FA11) into 崎 and change how a child's name is
    # written. Only trim and collapse runs of spaces, keeping the full-width space.
    return _SPACES.sub(lambda m: "\u3000" if "\u3000" in m.group() else " ", value).strip()


def _header_map(header: list[str]) -> tuple[dict[str, int], list[Problem], list[str]]:
    lookup = {alias.lower(): name for name, aliases in HEADERS.items() for alias in aliases}
    columns: dict[str, int] = {}
    problems: list[Problem] = []
    ignored: list[str] = []
    for index, raw in enumerate(header):
        label = _cell(raw).lower()
        if not label:
            continue
        name = lookup.get(label)
        if name is None:
            ignored.append(raw.strip())
        elif name in columns:
            problems.append(Problem(1, raw.strip(), _("同じ列が2回あります。")))
        else:
            columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            problems.append(Problem(1, HEADERS[name][0], _("必須の列がありません。")))
    return columns, problems, ignored


def _int(value: str, low: int, high: int) -> int | None:
    value = value.removesuffix("年").removesuffix("番")
    if not value.isdecimal():
        return None
    number = int(value)
    return number if low <= number <= high else None


def _parse_row(line: int, get) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, reason: str) -> None:
        problems.append(Problem(line, HEADERS[column][0], reason))

    student_number = _cell(get("student_number"))
    if not student_number:
        bad("student_number", _("学籍番号がありません。"))
    elif not _STUDENT_NUMBER.match(student_number):
        bad("student_number", _("学籍番号は20文字以内の英数字とハイフンで入力してください。"))

    grade_text = _cell(get("grade"))
    grade = _int(grade_text, 1, 12)
    if grade is None:
        bad("grade", _("学年は1〜12の数字で入力してください。"))

    class_name = _cell(get("class_name")).removesuffix("組").strip()
    if not class_name:
        bad("class_name", _("組がありません。"))
    elif len(class_name) > 10:
        bad("class_name", _("組は10文字以内で入力してください。"))

    number_text = _cell(get("number"))
    number = _int(number_text, 1, 999) if number_text else None
    if number_text and number is None:
        bad("number", _("出席番号は1〜999の数字で入力してください。"))

    name = _name(get("name"))
    if not name:
        bad("name", _("氏名がありません。"))
    elif len(name) > 100:
        bad("name", _("氏名は100文字以内で入力してください。"))

    kana = _cell(get("kana"))
    if len(kana) > 100:
        bad("kana", _("ふりがなは100文字以内で入力してください。"))

    email = _cell(get("guardian_email"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            bad("guardian_email", _("メールアドレスの形式が正しくありません。"))

    if problems:
        return None, problems
    row = Row(line, student_number, grade, class_name, number, name, kana, email.lower())
    return row, []


def parse_roster(data: bytes, school: School) -> RosterFile:
    """Read and check the whole file against the school's roster; write nothing."""
    result = RosterFile()
    try:
        text, result.encoding = decode(data)
    except ValueError as error:
        result.problems.append(Problem(0, "", str(error)))
        return result

    # newline="" lets the csv module handle CRLF, LF and line breaks inside quoted cells.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            result.problems.append(Problem(1, "", _("1行目に見出しの行がありません。")))
            return result
        columns, result.problems, result.ignored_columns = _header_map(header)
        if result.problems:
            return result
        seen: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(result.rows) + len(result.problems) >= MAX_ROWS:
                result.problems.append(Problem(line, "", _("行が多すぎます（20,000行まで）。")))
                break
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                result.problems.append(Problem(line, "", _("見出しより列が多い行です。")))
                continue

            def get(name: str, cells=cells) -> str:
                index = columns.get(name)
                return cells[index] if index is not None and index < len(cells) else ""

            # Duplicates are checked on the raw number, so a bad line's twin is reported too.
            number = _cell(get("student_number"))
            if number and number in seen:
                reason = _("学籍番号が%(line)d行目と重複しています。") % {"line": seen[number]}
                result.problems.append(Problem(line, HEADERS["student_number"][0], reason))
            elif number:
                seen[number] = line
            row, problems = _parse_row(line, get)
            result.problems.extend(problems)
            if row is not None and not result.problems:
                result.rows.append(row)
    except csv.Error:
        result.problems.append(Problem(reader.line_num, "", _("CSVとして読めない行があります。")))
        return result

    if not result.rows and not result.problems:
        result.problems.append(Problem(0, "", _("生徒の行がありません。")))
    _compare_with_roster(result, school)
    return result


def _compare_with_roster(result: RosterFile, school: School) -> None:
    """Mark known students and what the import would change: their fields, and a guardian
    e-mail not yet linked to them (apply_roster links it, so the row counts as updated)."""
    numbers = [r.student_number for r in result.rows]
    existing = {
        s.student_number: s
        for s in Student.objects.filter(school=school, student_number__in=numbers).only(
            "id", "student_number", *STUDENT_FIELDS
        )
    }
    linked = _linked_emails([s.pk for s in existing.values()])
    for row in result.rows:
        student = existing.get(row.student_number)
        if student is None:
            continue
        row.existing_id = student.pk
        row.changes = [f for f in STUDENT_FIELDS if getattr(student, f) != getattr(row, f)]
        if row.guardian_email and row.guardian_email not in linked.get(student.pk, ()):
            row.changes.append("guardian_email")


def _linked_emails(student_ids: list[int]) -> dict[int, set[str]]:
    """Student id -> the lower-cased e-mails of the guardians already linked to them."""
    if not student_ids:
        return {}
    links: dict[int, set[str]] = {}
    pairs = (
        Guardian.students.through.objects.filter(student_id__in=student_ids)
        .annotate(email=Lower("guardian__email"))
        .values_list("student_id", "email")
    )
    for student_id, email in pairs:
        links.setdefault(student_id, set()).add(email)
    return links


class RosterConflict(Exception):
    """Another import or edit wrote the same student meanwhile; nothing was imported."""

    message = gettext_lazy(
        "取り込み中に同じ学籍番号の生徒が別の操作で登録されました。何も取り込んでいません。"
        "もう一度ファイルを選んでプレビューしてください。"
    )


def apply_roster(parsed: RosterFile, school: School) -> ImportResult:
    """Write a checked file: add new students, update known ones, link guardians by e-mail.

    All or nothing; RosterConflict when the database refuses a duplicate that appeared after
    the check (the unique student number or guardian e-mail constraints).
    """
    if not parsed.ok:
        raise ValueError("a roster with problems is never imported")
    try:
        return _apply(parsed, school)
    except IntegrityError as exc:
        raise RosterConflict from exc


@transaction.atomic
def _apply(parsed: RosterFile, school: School) -> ImportResult:
    # Re-read the ids inside the transaction: the roster may have changed since the preview.
    _compare_with_roster(parsed, school)
    new = [
        Student(school=school, student_number=r.student_number, **_fields(r)) for r in parsed.to_add
    ]
    Student.objects.bulk_create(new, batch_size=500)
    # A row counts as updated when its student's fields or guardians change (as in the preview);
    # only the rows whose fields changed are written back.
    changed = [r for r in parsed.to_update if r.changes]
    updates = [
        Student(pk=r.existing_id, school=school, **_fields(r))
        for r in changed
        if any(f in STUDENT_FIELDS for f in r.changes)
    ]
    Student.objects.bulk_update(updates, STUDENT_FIELDS, batch_size=500)
    _link_guardians(parsed, school)
    return ImportResult(
        added=len(new), updated=len(changed), unchanged=len(parsed.to_update) - len(changed)
    )


def _fields(row: Row) -> dict:
    return {f: getattr(row, f) for f in STUDENT_FIELDS}


def _link_guardians(parsed: RosterFile, school: School) -> None:
    wanted = {r.student_number: r.guardian_email for r in parsed.rows if r.guardian_email}
    if not wanted:
        return
    emails = set(wanted.values())  # lower-cased by _parse_row
    # Match case-insensitively (the database holds one guardian per address and school); rows
    # another import adds meanwhile are skipped by the insert and read back below.
    Guardian.objects.bulk_create(
        [Guardian(school=school, email=e) for e in sorted(emails)], ignore_conflicts=True
    )
    guardians = {
        g.email_lower: g
        for g in Guardian.objects.filter(school=school)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
    }
    student_ids = dict(
        Student.objects.filter(school=school, student_number__in=wanted).values_list(
            "student_number", "id"
        )
    )
    links = [
        Guardian.students.through(guardian_id=guardians[email].pk, student_id=student_ids[number])
        for number, email in wanted.items()
    ]
    Guardian.students.through.objects.bulk_create(links, ignore_conflicts=True, batch_size=500)
