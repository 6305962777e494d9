"""Who may build, follow and download packets: one helper per guarded object.

The trip's own teachers (organiser, accompanying) and the school's nurse; the admin sees the
list (metadata) but gets 403 on everything that opens or makes a packet; anyone else gets 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from schools.access import trip_role
from schools.models import Role
from trips.models import Trip

from .models import Packet

PACKET_ROLES = (Role.TEACHER, Role.NURSE)


def _check(user, trip: Trip) -> str:
    role = trip_role(user, trip)
    if role is None:
        raise Http404
    if role not in PACKET_ROLES:
        raise PermissionDenied
    return role


def trip_for_packets(user, trip_pk: int) -> tuple[Trip, str]:
    trip = get_object_or_404(Trip.objects.select_related("school", "organiser"), pk=trip_pk)
    return trip, _check(user, trip)


def packet_for(user, uuid) -> tuple[Packet, str]:
    packet = get_object_or_404(Packet.objects.select_related("trip__school"), uuid=uuid)
    return packet, _check(user, packet.trip)


def can_use_packets(user, trip: Trip) -> bool:
    return trip_role(user, trip) in PACKET_ROLES
