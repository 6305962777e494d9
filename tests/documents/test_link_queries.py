"""Link screens run a fixed number of queries whatever the class size (no N+1)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import UploadLink
from tests.factories import GuardianFactory, ParticipantFactory, StudentFactory, TripFactory
from trips.models import ParticipantState

MANY = 25


def _trip_with(school, teacher, count):
    trip = TripFactory(school=school, organiser=teacher, collecting_since=timezone.now())
    for _ in range(count):
        student = StudentFactory(school=school)
        GuardianFactory(school=school).students.add(student)
        ParticipantFactory(trip=trip, student=student)
    return trip


def _count(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


@pytest.fixture
def no_pdf(monkeypatch):
    """The letters' HTML is still rendered (it reads each student); WeasyPrint is skipped."""
    import weasyprint

    class FakeHTML:
        def __init__(self, string, **kwargs):
            self.string = string

        def write_pdf(self):
            return b"%PDF-1.7\n"

    monkeypatch.setattr(weasyprint, "HTML", FakeHTML)


def _letters(client, trip):
    response = client.post(f"/documents/trip/{trip.pk}/letters.pdf")
    assert response.status_code == 200


def _invite(client, trip):
    response = client.post(f"/documents/trip/{trip.pk}/invite/")
    assert response.status_code == 302


def _command(client, trip):
    out = io.StringIO()
    call_command("upload_links", str(trip.pk), stdout=out)
    assert len(out.getvalue().splitlines()) == trip.participants.count()


@pytest.mark.parametrize("action", [_letters, _invite, _command], ids=["letters", "invite", "cmd"])
def test_link_screens_queries_do_not_grow_with_participants(
    action, school, teacher, no_pdf, django_assert_num_queries
):
    client = Client()
    client.force_login(teacher)
    one = _trip_with(school, teacher, 1)
    many = _trip_with(school, teacher, MANY)
    # First call: every link is created. Second call: every link is read.
    first = _count(lambda: action(client, one))
    with django_assert_num_queries(first):
        action(client, many)
    again = _count(lambda: action(client, one))
    with django_assert_num_queries(again):
        action(client, many)
    assert UploadLink.objects.filter(participant__trip=many).count() == MANY
    assert not many.participants.exclude(state=ParticipantState.LINK_SENT).exists()
