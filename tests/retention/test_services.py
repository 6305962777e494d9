"""The retention app's own writes, as plain functions: shredding confirmed, incidents recorded."""

from __future__ import annotations

import datetime

from packets.models import PaperCopy
from retention import services
from retention.models import IncidentNote
from schools.models import AuditEvent
from tests import factories


def test_shredding_is_confirmed_once_with_one_event(school, teacher):
    trip = factories.TripFactory(school=school, organiser=teacher)
    copy = PaperCopy.objects.create(trip=trip, copy_number=3, holder=teacher)
    assert services.confirm_shredded(copy, actor=teacher, role="teacher") is True
    # A double submit (or a second tab) changes nothing and writes no second event.
    again = PaperCopy.objects.get(pk=copy.pk)
    assert services.confirm_shredded(again, actor=teacher, role="teacher") is False
    copy.refresh_from_db()
    assert copy.shredded_at is not None and copy.shredded_confirmed_by == teacher
    event = AuditEvent.objects.get(action="paper_copy_shredded")
    assert (event.actor_id, event.actor_role, event.object_id) == (teacher.pk, "teacher", copy.pk)
    assert (event.school_id, event.trip_id) == (school.pk, trip.pk)
    assert event.details == {"copy_number": 3}


def test_an_incident_is_saved_with_its_author_and_a_content_free_event(school, nurse):
    trip = factories.TripFactory(school=school)
    participant = factories.ParticipantFactory(trip=trip)
    note = IncidentNote(
        participant=participant, date=datetime.date(2026, 12, 5), place="京都", note="発熱、受診"
    )
    services.record_incident(note, actor=nurse, role="nurse")
    note.refresh_from_db()
    assert note.created_by == nurse
    event = AuditEvent.objects.get(action="incident_recorded")
    assert (event.actor_id, event.object_id, event.trip_id) == (nurse.pk, note.pk, trip.pk)
    assert event.details == {"date": "2026-12-05"}
