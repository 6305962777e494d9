"""The client address behind NUM_PROXIES trusted reverse proxies (rate limits key on it)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from schools.clientip import client_ip


def _request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_a_spoofed_header_is_ignored(settings):
    settings.NUM_PROXIES = 0
    assert client_ip(_request(forwarded="203.0.113.7")) == "10.0.0.1"


def test_without_proxies_and_without_header_it_is_the_peer(settings):
    settings.NUM_PROXIES = 0
    assert client_ip(_request()) == "10.0.0.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        # The client wrote the left part itself: only the right-most hop is the proxy's word.
        (1, "192.0.2.99, 203.0.113.7", "203.0.113.7"),
        (1, "192.0.2.99,203.0.113.7", "203.0.113.7"),
        # Two proxies: the right-most entry is the first proxy, the client is next to it.
        (2, "192.0.2.99, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Fewer hops than proxies: the left-most, which a trusted proxy wrote.
        (2, "203.0.113.7", "203.0.113.7"),
    ],
)
def test_the_right_most_untrusted_hop_is_the_client(settings, proxies, forwarded, expected):
    settings.NUM_PROXIES = proxies
    assert client_ip(_request(forwarded=forwarded)) == expected


@pytest.mark.parametrize("forwarded", [None, "", " , ", "not-an-address", "203.0.113.7:443"])
def test_a_missing_or_malformed_header_falls_back_to_the_peer(settings, forwarded):
    settings.NUM_PROXIES = 1
    assert client_ip(_request(forwarded=forwarded)) == "10.0.0.1"
