from __future__ import annotations

from .access import primary_membership


def membership(request) -> dict:
    user = getattr(request, "user", None)
    current = primary_membership(user) if user is not None else None
    return {"membership": current, "school": current.school if current else None}
