from __future__ import annotations

from .access import BOARD_ROLE, board_school_ids, primary_membership
from .navigation import HOME_LINKS, NAV_LINKS, links_for


def membership(request) -> dict:
    user = getattr(request, "user", None)
    current = primary_membership(user) if user is not None else None
    role = current.role if current else None
    if role is None and user is not None and board_school_ids(user):
        role = BOARD_ROLE
    return {
        "membership": current,
        "school": current.school if current else None,
        # Members of several schools can switch (schools/middleware.py).
        "can_switch_school": len(getattr(request, "school_choices", ())) > 1,
        "nav_links": links_for(NAV_LINKS, role),
        "home_links": links_for(HOME_LINKS, role),
    }
