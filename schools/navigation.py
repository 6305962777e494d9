"""Links in the top navigation and on the home page, registered by the apps that own them.

schools/ is the bottom floor: it must not name the URLs of trips, students or retention, so
each of those apps registers its own links in AppConfig.ready(); the templates only iterate.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

ALL_ROLES = frozenset({"teacher", "nurse", "admin"})


@dataclass(frozen=True)
class Link:
    url_name: str
    label: str  # a lazy translation
    roles: frozenset[str] = ALL_ROLES
    order: int = 50

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV_LINKS: list[Link] = []
HOME_LINKS: list[Link] = []


def _register(links: list[Link], link: Link) -> None:
    if all(existing.url_name != link.url_name for existing in links):
        links.append(link)
        links.sort(key=lambda item: item.order)


def register_nav_link(url_name: str, label: str, *, roles=ALL_ROLES, order: int = 50) -> None:
    _register(NAV_LINKS, Link(url_name, label, frozenset(roles), order))


def register_home_link(url_name: str, label: str, *, roles=ALL_ROLES, order: int = 50) -> None:
    _register(HOME_LINKS, Link(url_name, label, frozenset(roles), order))


def links_for(links: list[Link], role: str | None) -> list[Link]:
    return [link for link in links if role in link.roles]
