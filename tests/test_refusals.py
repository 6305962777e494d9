"""Every guarded object is refused the same way: 404 or 403, and one identical audit event.

Each app's access.py refuses through `schools.access.refuse`; this walks one URL per guarded
object (trip, participant, document, packet, student, guardian, roster, school, certificate,
paper copy, incident notes, status) and checks the answer and the event, field by field.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from packets.models import PaperCopy
from retention.models import DeletionCertificate
from schools.access import refuse
from schools.models import AuditEvent
from tests import factories


@pytest.fixture
def world(school, teacher, nurse, school_admin, outsider):
    trip = factories.TripFactory(school=school, organiser=teacher)
    participant = factories.ParticipantFactory(trip=trip)
    document = factories.DocumentFactory(participant=participant)
    other_trip = factories.TripFactory(school=school, organiser=teacher)
    stranger = factories.ParticipantFactory(trip=other_trip)  # on the organiser's other trip
    packet = factories.PacketFactory(trip=trip, built_by=teacher)
    copy = PaperCopy.objects.create(trip=trip, packet=packet, copy_number=1, holder=teacher)
    now = timezone.now()
    certificate = DeletionCertificate.objects.create(
        trip=other_trip,
        number="DC-20261204-1-abcd",
        run_code="abc",
        reason="ended",
        purge_due_at=now,
        key_destroyed_at=now,
        purged_at=now,
    )
    guardian = factories.GuardianFactory(school=school)  # nobody's guardian yet
    board = factories.BoardFactory()
    school.board = board
    school.save()
    return {
        "users": {
            "organiser": teacher,
            "colleague": factories.member(school, "teacher"),  # same school, not on the trip
            "nurse": nurse,
            "admin": school_admin,
            "outsider": outsider,
            "board": factories.board_admin(board),
        },
        "trip": trip,
        "participant": participant,
        "stranger": stranger,
        "document": document,
        "packet": packet,
        "copy": copy,
        "certificate": certificate,
        "student": participant.student,
        "guardian": guardian,
        "other_school": factories.SchoolFactory(),
    }


def _url(world, name: str, *args: str) -> str:
    values = []
    for arg in args:
        obj = world[arg]
        values.append(obj.uuid if hasattr(obj, "uuid") else obj.pk)
    return reverse(name, args=values)


# (who, method, url name, url args, expected status, refused kind)
CASES = [
    # Outsiders never learn that an object exists.
    ("outsider", "get", "trips:detail", ("trip",), 404, "trip"),
    ("outsider", "get", "trips:edit", ("trip",), 404, "trip"),
    ("colleague", "get", "trips:detail", ("trip",), 404, "trip"),
    ("organiser", "post", "trips:remove_participant", ("trip", "stranger"), 404, "participant"),
    ("outsider", "get", "documents:trip", ("trip",), 404, "trip"),
    ("outsider", "get", "documents:detail", ("document",), 404, "document"),
    ("outsider", "get", "documents:download", ("document",), 404, "document"),
    ("outsider", "post", "documents:link_reissue", ("trip", "participant"), 404, "trip"),
    ("organiser", "post", "documents:link_revoke", ("trip", "stranger"), 404, "participant"),
    ("outsider", "post", "packets:build", ("trip",), 404, "trip"),
    ("outsider", "get", "packets:download", ("packet",), 404, "packet"),
    ("outsider", "get", "packets:progress", ("packet",), 404, "packet"),
    ("outsider", "get", "tripday:index", ("trip",), 404, "trip"),
    ("organiser", "get", "tripday:child", ("trip", "stranger"), 404, "participant"),
    ("outsider", "get", "students:edit", ("student",), 404, "student"),
    ("organiser", "post", "students:guardian_remove", ("student", "guardian"), 404, "guardian"),
    ("outsider", "get", "retention:certificate", ("certificate",), 404, "certificate"),
    ("outsider", "post", "retention:confirm_shredded", ("copy",), 404, "paper_copy"),
    ("outsider", "get", "retention:incidents", ("trip",), 404, "trip"),
    # Roles that may read but not do this get 403.
    ("nurse", "get", "trips:edit", ("trip",), 403, "trip"),
    ("admin", "get", "trips:detail_participants", ("trip",), 403, "participant"),
    ("admin", "get", "documents:detail", ("document",), 403, "document"),
    ("admin", "get", "documents:trip", ("trip",), 403, "trip"),
    ("nurse", "post", "documents:link_reissue", ("trip", "participant"), 403, "trip"),
    ("admin", "get", "packets:download", ("packet",), 403, "packet"),
    ("admin", "get", "tripday:index", ("trip",), 403, "trip"),
    ("nurse", "get", "students:create", (), 403, "roster"),
    ("nurse", "get", "trips:create", (), 403, "trip"),
    ("organiser", "get", "retention:dashboard", (), 403, "school"),
    ("colleague", "post", "retention:confirm_shredded", ("copy",), 403, "paper_copy"),
    ("organiser", "get", "retention:incidents", ("trip",), 403, "incident"),
    ("admin", "post", "retention:incidents", ("trip",), 403, "incident"),
    ("organiser", "get", "retention:status", (), 403, "status"),
]


@pytest.mark.parametrize(
    "who,method,name,args,status,kind",
    CASES,
    ids=[f"{c[0]}-{c[2]}-{c[4]}" for c in CASES],
)
def test_each_guarded_object_is_refused_and_audited_alike(
    client, world, who, method, name, args, status, kind
):
    user = world["users"][who]
    membership = user.memberships.get()
    client.force_login(user)
    if name == "trips:detail_participants":
        # The admin opens the trip page (metadata) but not the names: the list is refused.
        from trips import access as trip_access

        trip, _role = trip_access.trip_for(user, world["trip"].pk)
        with pytest.raises(PermissionDenied):
            trip_access.participants_for(user, trip)
    else:
        response = getattr(client, method)(_url(world, name, *args))
        assert response.status_code == status
    event = AuditEvent.objects.get(action="access_denied")
    assert (event.actor_id, event.actor_role, event.school_id) == (
        user.pk,
        membership.role,
        membership.school_id,
    )
    # Never which object: a guessed id must not land in the trail.
    assert (event.object_type, event.object_id, event.trip_id) == ("", None, None)
    assert event.details == {"kind": kind, "status": str(status)}


def test_a_board_admin_outside_their_board_is_refused_and_audited(client, world):
    user = world["users"]["board"]
    client.force_login(user)
    url = reverse("retention:dashboard") + f"?school={world['other_school'].pk}"
    assert client.get(url).status_code == 404
    event = AuditEvent.objects.get(action="access_denied")
    assert event.actor_id == user.pk
    assert event.details == {"kind": "school", "status": "404"}


def test_an_allowed_request_records_no_refusal(client, world):
    client.force_login(world["users"]["organiser"])
    assert client.get(_url(world, "documents:detail", "document")).status_code == 200
    assert not AuditEvent.objects.filter(action="access_denied").exists()


def test_refuse_raises_404_or_403_and_nothing_else(teacher):
    with pytest.raises(Http404):
        refuse(teacher, "trip", status=404)
    with pytest.raises(PermissionDenied):
        refuse(teacher, "trip", status=403)
    with pytest.raises(ValueError):
        refuse(teacher, "trip", status=500)
    assert AuditEvent.objects.filter(action="access_denied").count() == 2


def test_refuse_audits_an_anonymous_user_without_an_actor(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        refuse(AnonymousUser(), "trip", status=404)
    event = AuditEvent.objects.get(action="access_denied")
    assert (event.actor_id, event.actor_role, event.school_id) == (None, "", None)


@pytest.mark.parametrize(
    "method,name,args",
    [
        ("get", "trips:edit", ("trip",)),
        ("post", "trips:groups", ("trip",)),
        ("post", "trips:remove_participant", ("trip", "participant")),
        ("post", "documents:invite", ("trip",)),
        ("post", "documents:links_csv", ("trip",)),
        ("post", "documents:link_reissue", ("trip", "participant")),
    ],
)
def test_a_closed_trip_is_a_state_not_a_refusal(client, world, method, name, args):
    """The organiser may open the trip; it takes no changes any more: 403, nothing audited."""
    trip = world["trip"]
    trip.cancelled_at = timezone.now()
    trip.save(update_fields=["cancelled_at"])
    client.force_login(world["users"]["organiser"])
    assert getattr(client, method)(_url(world, name, *args)).status_code == 403
    assert not AuditEvent.objects.filter(action="access_denied").exists()


def test_a_link_is_revoked_even_on_a_locked_trip(client, world):
    trip = world["trip"]
    trip.locked_at = timezone.now()
    trip.save(update_fields=["locked_at"])
    client.force_login(world["users"]["organiser"])
    url = _url(world, "documents:link_revoke", "trip", "participant")
    assert client.post(url).status_code == 302
    assert AuditEvent.objects.filter(action="link_revoked").count() == 1
