"""The filters several screens share, defined once as queryset methods, and what they mean."""

from __future__ import annotations

from django.utils import timezone

from documents.models import UploadLink
from packets.models import PaperCopy
from students.models import Student, roster_order
from tests import factories
from trips import panels
from trips.models import Participant


def test_student_search_matches_name_kana_or_the_exact_student_number(school):
    hit_name = factories.StudentFactory(school=school, name="佐藤 花子", kana="さとう はなこ")
    hit_kana = factories.StudentFactory(school=school, name="鈴木 一郎", kana="すずき はなこ")
    hit_number = factories.StudentFactory(school=school, student_number="2024777")
    factories.StudentFactory(school=school, name="田中 次郎", kana="たなか じろう")
    assert set(Student.objects.search("はなこ")) == {hit_name, hit_kana}
    assert set(Student.objects.search("花子")) == {hit_name}
    assert list(Student.objects.search("2024777")) == [hit_number]
    assert list(Student.objects.search("202477")) == []  # a number matches whole, not in part


def test_participant_search_matches_the_childs_name_or_kana_only(school):
    trip = factories.TripFactory(school=school)
    student = factories.StudentFactory(school=school, name="佐藤 花子", kana="さとう はなこ")
    found = factories.ParticipantFactory(trip=trip, student=student)
    factories.ParticipantFactory(trip=trip)
    assert list(trip.participants.search("さとう")) == [found]
    assert list(trip.participants.search("佐藤")) == [found]
    assert list(trip.participants.search(student.student_number)) == []


def test_roster_order_is_grade_class_number_then_student_number(school):
    trip = factories.TripFactory(school=school)
    made = [
        (3, "1", 1, "9"),
        (2, "2", 1, "8"),
        (2, "1", 2, "7"),
        (2, "1", 3, "5"),
        (2, "1", 1, "6"),
    ]
    for grade, class_name, number, student_number in made:
        student = factories.StudentFactory(
            school=school,
            grade=grade,
            class_name=class_name,
            number=number,
            student_number=student_number,
        )
        factories.ParticipantFactory(trip=trip, student=student)
    ordered = [p.student.student_number for p in trip.participants.in_roster_order()]
    students = list(Student.objects.filter(school=school).values_list("student_number", flat=True))
    assert ordered == students  # Student's default ordering is the same roster order
    assert ordered == ["6", "7", "5", "8", "9"]
    assert roster_order("student__") == [
        "student__grade",
        "student__class_name",
        "student__number",
        "student__student_number",
    ]


def test_group_names_are_the_used_groups_sorted_once(school):
    trip = factories.TripFactory(school=school)
    for name in ("2班", "1班", "2班", ""):
        factories.ParticipantFactory(trip=trip, group_name=name)
    assert trip.participants.group_names() == ["1班", "2班"]
    assert Participant.objects.none().group_names() == []


def test_live_links_are_the_unrevoked_ones(school):
    participant = factories.ParticipantFactory(trip=factories.TripFactory(school=school))
    revoked = factories.UploadLinkFactory(participant=participant, revoked_at=timezone.now())
    live = factories.UploadLinkFactory(participant=participant)
    assert list(UploadLink.objects.live()) == [live]
    assert list(participant.upload_links.live()) == [live]
    assert revoked not in UploadLink.objects.live()


def test_outstanding_paper_copies_are_the_unshredded_ones(school, teacher):
    trip = factories.TripFactory(school=school, organiser=teacher)
    kept = PaperCopy.objects.create(trip=trip, copy_number=1, holder=teacher)
    PaperCopy.objects.create(trip=trip, copy_number=2, holder=teacher, shredded_at=timezone.now())
    assert list(PaperCopy.objects.outstanding()) == [kept]
    assert list(trip.paper_copies.outstanding()) == [kept]


def test_every_trip_page_hook_is_used_by_an_app_above():
    # Hooks nobody registers are dead code: each one left has a user once the apps are ready.
    hooks = {name for name in vars(panels) if name.startswith("register_")}
    assert hooks == {"register_trip_panel", "register_trip_action"}
    assert panels.TRIP_PANELS and panels.TRIP_ACTIONS


def test_classes_are_the_grade_and_class_pairs_in_use_once_each(school):
    for grade, class_name in ((2, "2"), (1, "3"), (2, "2"), (2, "1")):
        factories.StudentFactory(school=school, grade=grade, class_name=class_name)
    assert Student.objects.filter(school=school).classes() == [(1, "3"), (2, "1"), (2, "2")]
