"""One private-file response: the same headers on every download the site serves."""

from __future__ import annotations

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from schools.responses import SANDBOX_POLICY, private_file
from tests import factories


def _private_headers(response) -> dict[str, str]:
    return {
        "nosniff": response["X-Content-Type-Options"],
        "referrer": response["Referrer-Policy"],
        "store": "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"],
    }


PRIVATE = {"nosniff": "nosniff", "referrer": "no-referrer", "store": True}


def test_private_file_sets_every_header():
    response = private_file(b"%PDF-1.7", "application/pdf", "packet-1-2.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="packet-1-2.pdf"'
    assert response["Content-Security-Policy"] == SANDBOX_POLICY
    assert _private_headers(response) == PRIVATE


def test_private_file_inline_without_sandbox_leaves_the_site_policy_to_django_csp():
    response = private_file(b"%PDF", "application/pdf", "c.pdf", inline=True, sandbox=False)
    assert response["Content-Disposition"] == 'inline; filename="c.pdf"'
    assert "Content-Security-Policy" not in response
    assert _private_headers(response) == PRIVATE


def test_private_file_streams_an_iterable():
    response = private_file(iter(["a,b\r\n", "1,2\r\n"]), "text/csv", "audit.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == b"a,b\r\n1,2\r\n"
    assert _private_headers(response) == PRIVATE


@pytest.fixture
def downloads(school, teacher, school_admin):
    trip = factories.TripFactory(school=school, organiser=teacher)
    document = factories.DocumentFactory(participant=factories.ParticipantFactory(trip=trip))
    packet = factories.PacketFactory(trip=trip, built_by=teacher)
    return {
        "document": (teacher, "get", reverse("documents:download", args=[document.uuid])),
        "packet": (teacher, "get", reverse("packets:download", args=[packet.uuid])),
        "links_csv": (teacher, "post", reverse("documents:links_csv", args=[trip.pk])),
        "audit_csv": (school_admin, "get", reverse("retention:audit_csv")),
    }


@pytest.mark.parametrize("which", ["document", "packet", "links_csv", "audit_csv"])
def test_every_private_download_answers_with_the_same_headers(client, downloads, which):
    user, method, url = downloads[which]
    client.force_login(user)
    response = getattr(client, method)(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Security-Policy"] == SANDBOX_POLICY
    assert _private_headers(response) == PRIVATE
