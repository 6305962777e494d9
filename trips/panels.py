"""Extension points of the trip page for the floors above (documents, packets, retention, tripday).

A higher app registers template names in its AppConfig.ready(); the trip page renders them with
the trip in the context. Imports point down, so trips/ never names those apps itself.

- trip panels: a card below the participant table (`trip`, `can_change`, `progress`);
- trip actions: buttons in the page header.
"""

from __future__ import annotations

TRIP_PANELS: list[str] = []
TRIP_ACTIONS: list[str] = []


def register_trip_panel(template_name: str) -> None:
    if template_name not in TRIP_PANELS:
        TRIP_PANELS.append(template_name)


def register_trip_action(template_name: str) -> None:
    if template_name not in TRIP_ACTIONS:
        TRIP_ACTIONS.append(template_name)
