"""The client's address, read through exactly as many reverse proxies as settings.NUM_PROXIES.

Each proxy appends the address it received the request from to X-Forwarded-For, so with N
trusted proxies the client is the N-th entry from the right: everything left of it was written
by the client and may be forged. With NUM_PROXIES = 0 (the default: the site faces the
Internet directly) the header is ignored and REMOTE_ADDR is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = settings.NUM_PROXIES
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return remote
    # Fewer hops than proxies: a proxy was bypassed or added none; the left-most entry is
    # still one a trusted proxy wrote (the same rule as Django REST framework's num_proxies).
    candidate = hops[-min(trusted, len(hops))]
    return candidate if _valid(candidate) else remote


def client_ip_for_lockout(request) -> str | None:
    """django-axes wants a real address or None (it parses the value)."""
    address = client_ip(request)
    return address if _valid(address) else None
