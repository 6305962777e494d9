"""The packets card on the trip page (registered as a trip panel in PacketsConfig.ready)."""

from __future__ import annotations

from django import template

from ..access import can_use_packets
from ..forms import BuildForm, PrintForm
from ..models import Packet
from ..services import paper_copy_holders, stale_ids

register = template.Library()

LISTED = 20


@register.inclusion_tag("packets/_panel.html", takes_context=True)
def packet_panel(context) -> dict:
    trip = context["trip"]
    user = context["request"].user
    packets = list(
        Packet.objects.filter(trip=trip)
        .select_related("built_by", "trip")
        .prefetch_related("paper_copies")[:LISTED]
    )
    allowed = can_use_packets(user, trip)
    stale = stale_ids(packets) if allowed else set()
    for packet in packets:
        packet.is_stale = packet.pk in stale
    groups = trip.participants.group_names() if allowed else []
    return {
        "trip": trip,
        "packets": packets,
        "can_use": allowed,
        "can_build": allowed and not trip.is_closed,
        "build_form": BuildForm(groups=groups) if allowed else None,
        "print_form": PrintForm(holders=paper_copy_holders(trip, user), initial={"holder": user.pk})
        if allowed
        else None,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
