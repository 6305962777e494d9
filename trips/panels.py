"""Extension points of the trip page for the floors above (documents, packets, retention).

A higher app registers template names in its AppConfig.ready(); the trip page renders them with
the trip in the context. Imports point down, so trips/ never names those apps itself.

- trip panels: a card below the participant table (`trip`, `can_change`, `progress`);
- trip actions: buttons in the page header;
- participant cells: one extra <td> per row (`participant`); it must not query per row, so
  pair it with a queryset hook that prefetches what it needs.
"""

from __future__ import annotations

from collections.abc import Callable

TRIP_PANELS: list[str] = []
TRIP_ACTIONS: list[str] = []
PARTICIPANT_CELLS: list[tuple[str, str]] = []  # (column header, template name)
PARTICIPANT_QUERYSET_HOOKS: list[Callable] = []


def register_trip_panel(template_name: str) -> None:
    if template_name not in TRIP_PANELS:
        TRIP_PANELS.append(template_name)


def register_trip_action(template_name: str) -> None:
    if template_name not in TRIP_ACTIONS:
        TRIP_ACTIONS.append(template_name)


def register_participant_cell(header: str, template_name: str) -> None:
    if (header, template_name) not in PARTICIPANT_CELLS:
        PARTICIPANT_CELLS.append((header, template_name))


def register_participant_queryset_hook(hook: Callable) -> None:
    """`hook(queryset) -> queryset`, e.g. a prefetch of each participant's current document."""
    if hook not in PARTICIPANT_QUERYSET_HOOKS:
        PARTICIPANT_QUERYSET_HOOKS.append(hook)


def participant_queryset(queryset):
    for hook in PARTICIPANT_QUERYSET_HOOKS:
        queryset = hook(queryset)
    return queryset
