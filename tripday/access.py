"""Who may open the trip day: the trip's teachers and the school's nurse, while it holds documents.

Access is the reviewers' (documents/access.py, audited refusals); a trip that is cancelled,
purging or purged answers 404 as well, since its documents are gone or going.
"""

from __future__ import annotations

from django.http import Http404

from documents.access import trip_for_reviewer
from trips.access import participant_for
from trips.models import Participant, Trip


def trip_for_tripday(user, trip_pk: int) -> tuple[Trip, str]:
    trip, role = trip_for_reviewer(user, trip_pk)
    if trip.is_closed:  # a state, not an access refusal: nothing to audit
        raise Http404
    return trip, role


def participant_for_tripday(user, trip_pk: int, participant_pk: int) -> tuple[Participant, str]:
    trip, role = trip_for_tripday(user, trip_pk)
    return participant_for(user, trip, participant_pk), role
