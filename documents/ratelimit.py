"""Fixed-window counters in the shared cache (Redis): every web process sees the same counts."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

# (limit, window seconds)
UNKNOWN_TOKEN_PER_IP = (10, 600)
REQUESTS_PER_IP = (120, 600)
UPLOADS_PER_TOKEN = (20, 3600)


def client_ip(request) -> str:
    # Behind a proxy, set it to overwrite REMOTE_ADDR; we never trust X-Forwarded-For here.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, value: str) -> str:
    # Hash the value: tokens and IPs never appear in cache keys in the clear.
    return "rl:" + scope + ":" + hashlib.sha256(value.encode()).hexdigest()[:32]


def hit(scope: str, value: str, rule: tuple[int, int]) -> bool:
    """Count one hit; True when the limit is now exceeded."""
    limit, window = rule
    key = _key(scope, value)
    if cache.add(key, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
    return count > limit


def exceeded(scope: str, value: str, rule: tuple[int, int]) -> bool:
    """Whether the limit is used up (the next hit would exceed it), without counting."""
    return (cache.get(_key(scope, value)) or 0) >= rule[0]
