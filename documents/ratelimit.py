"""Fixed-window counters in the shared cache (Redis): every web process sees the same counts.

When the cache does not answer, `hit` and `exceeded` raise `Unavailable` (logged once per call,
at WARNING, with the scope only: values are tokens or addresses). The upload view then lets a
GET through and answers a POST with 503 (see documents/views.py).
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# (limit, window seconds)
UNKNOWN_TOKEN_PER_IP = (10, 600)
REQUESTS_PER_IP = (120, 600)
UPLOADS_PER_TOKEN = (20, 3600)

# What a cache backend raises when its server is down or slow (redis-py; sockets).
CACHE_ERRORS = (RedisError, OSError)


class Unavailable(Exception):
    """The shared cache does not answer: nothing can be counted."""


def _key(scope: str, value: str) -> str:
    # Hash the value: tokens and IPs never appear in cache keys in the clear.
    return "rl:" + scope + ":" + hashlib.sha256(value.encode()).hexdigest()[:32]


def _unavailable(scope: str, exc: Exception) -> Unavailable:
    # The exception's class only: its text could one day carry a key or a value.
    log.warning("rate limit cache unavailable (scope %s): %s", scope, type(exc).__name__)
    return Unavailable(scope)


def hit(scope: str, value: str, rule: tuple[int, int]) -> bool:
    """Count one hit; True when the limit is now exceeded."""
    limit, window = rule
    key = _key(scope, value)
    try:
        if cache.add(key, 1, timeout=window):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
                count = 1
    except CACHE_ERRORS as exc:
        raise _unavailable(scope, exc) from None
    return count > limit


def exceeded(scope: str, value: str, rule: tuple[int, int]) -> bool:
    """Whether the limit is used up (the next hit would exceed it), without counting."""
    try:
        count = cache.get(_key(scope, value)) or 0
    except CACHE_ERRORS as exc:
        raise _unavailable(scope, exc) from None
    return count >= rule[0]
