from __future__ import annotations

import datetime

from tests.factories import TripFactory
from trips.forms import TripForm
from trips.services import teachers_of


def _data(trip, **changes):
    data = {
        "title": trip.title,
        "kind": trip.kind,
        "start_date": trip.start_date.isoformat(),
        "end_date": trip.end_date.isoformat(),
        "organiser": trip.organiser_id,
    }
    data.update(changes)
    return data


def test_deadline_after_the_start_is_refused(school, teacher):
    trip = TripFactory.build(school=school, organiser=teacher)
    late = (trip.start_date + datetime.timedelta(days=1)).isoformat()
    form = TripForm(_data(trip, collection_deadline=late), teachers=teachers_of(school.pk))
    assert not form.is_valid()
    assert "collection_deadline" in form.errors


def test_deadline_before_the_start_is_saved(school, teacher):
    trip = TripFactory.build(school=school, organiser=teacher)
    early = trip.start_date - datetime.timedelta(days=7)
    form = TripForm(
        _data(trip, collection_deadline=early.isoformat()),
        instance=TripFactory.build(school=school, organiser=teacher),
        teachers=teachers_of(school.pk),
    )
    assert form.is_valid(), form.errors
    assert form.save().collection_deadline == early
