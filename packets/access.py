"""Who may build, follow and download packets: one helper per guarded object.

The trip's own teachers (organiser, accompanying) and the school's nurse; the admin sees the
list (metadata) but gets 403 on everything that opens or makes a packet; anyone else gets 404.
Refusals go through `schools.access.refuse` (audited like every other app's).
"""

from __future__ import annotations

from schools.access import refuse, trip_role
from schools.models import Role
from trips.models import Trip

from .models import Packet

PACKET_ROLES = (Role.TEACHER, Role.NURSE)


def _check(user, trip: Trip, kind: str) -> str:
    role = trip_role(user, trip)
    if role is None:
        refuse(user, kind, status=404)
    if role not in PACKET_ROLES:
        refuse(user, kind, status=403)
    return role


def trip_for_packets(user, trip_pk: int) -> tuple[Trip, str]:
    trip = Trip.objects.select_related("school", "organiser").filter(pk=trip_pk).first()
    if trip is None:
        refuse(user, "trip", status=404)
    return trip, _check(user, trip, "trip")


def packet_for(user, uuid) -> tuple[Packet, str]:
    packet = Packet.objects.select_related("trip__school").filter(uuid=uuid).first()
    if packet is None:
        refuse(user, "packet", status=404)
    return packet, _check(user, packet.trip, "packet")


def can_use_packets(user, trip: Trip) -> bool:
    return trip_role(user, trip) in PACKET_ROLES
