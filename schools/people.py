"""How staff are named on screens and in PDFs: Japanese order, family name first."""

from __future__ import annotations


def display_name(user) -> str:
    """'山田 太郎' from last_name + first_name; the username when neither is set."""
    if user is None:
        return ""
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()
