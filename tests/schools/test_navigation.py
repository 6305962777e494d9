from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("role", "sees_retention"), [("teacher", False), ("nurse", True), ("admin", True)]
)
def test_navigation_shows_each_role_its_links(client, request, role, sees_retention):
    user = request.getfixturevalue({"admin": "school_admin"}.get(role, role))
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert reverse("trips:dashboard") in page
    assert reverse("students:roster") in page
    assert (f'href="{reverse("retention:dashboard")}"' in page) is sees_retention
    assert reverse("retention:paper_copies") in page


def test_anonymous_pages_show_no_links(client, db):
    page = client.get(reverse("login")).content.decode()
    assert reverse("trips:dashboard") not in page
