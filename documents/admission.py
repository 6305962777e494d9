"""Admission limit for intake: at most INTAKE_CONCURRENCY uploads in the pipeline, site-wide.

Every intake runs CPU-heavy children (the sandbox rewrite, then Tesseract). Without a cap, 2
gunicorn workers x 8 threads started up to 16 of them on 2 cores and every upload took half a
minute. A slot is a lease in one Redis sorted set shared by every app server: the member is a
random id, the score the moment the lease expires. Taking a slot first drops expired leases, so a
process that died holding one (OOM kill, gunicorn's timeout, a lost machine) frees its slot after
INTAKE_LEASE_SECONDS at the latest; a finished or failed intake frees it at once. The check and the
add run as one Lua script with Redis's own clock, so several app servers never overbook and their
clocks need not agree.

When every slot is taken the upload view answers 503 with Retry-After and keeps nothing of the
file (documents/views.py); the upload page's script sends the same file again after that delay.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import uuid
from collections.abc import Iterator

import redis
from django.conf import settings

log = logging.getLogger(__name__)

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


class Busy(Exception):
    """Every intake slot is taken: answer 503 with Retry-After."""


class Unavailable(Exception):
    """Redis does not answer: no slot can be counted (the view answers its 503 page)."""


@functools.cache
def _client(url: str) -> redis.Redis:
    # One pool per process (redis-py resets it after a fork); short timeouts, as for the cache.
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _redis() -> redis.Redis:
    return _client(settings.CACHES["default"]["LOCATION"])


def key() -> str:
    # The cache's key prefix keeps sites (and test runs) sharing one Redis apart.
    return settings.CACHES["default"].get("KEY_PREFIX", "") + ":intake:leases"


def acquire(limit: int | None = None, lease_seconds: float | None = None) -> str:
    """Take a slot: its lease id, or Busy / Unavailable."""
    limit = settings.INTAKE_CONCURRENCY if limit is None else limit
    lease = settings.INTAKE_LEASE_SECONDS if lease_seconds is None else lease_seconds
    lease_id = uuid.uuid4().hex
    try:
        taken = _redis().eval(_ACQUIRE, 1, key(), limit, int(lease * 1000), lease_id)
    except (redis.RedisError, OSError) as exc:
        log.warning("intake admission unavailable: %s", type(exc).__name__)
        raise Unavailable from None
    if not taken:
        raise Busy
    return lease_id


def release(lease_id: str) -> None:
    try:
        _redis().zrem(key(), lease_id)
    except (redis.RedisError, OSError) as exc:
        # The lease expires by itself; the slot is lost for INTAKE_LEASE_SECONDS at most.
        log.warning("intake lease not released: %s", type(exc).__name__)


def in_use() -> int:
    """Leases currently held (expired ones not counted): for the status page and the tests."""
    client = _redis()
    seconds, micros = client.time()
    return client.zcount(key(), seconds * 1000 + micros // 1000 + 1, "+inf")


def full(limit: int | None = None) -> bool:
    """Whether every slot is taken now (a hint: `acquire` decides). False when Redis is down."""
    limit = settings.INTAKE_CONCURRENCY if limit is None else limit
    try:
        return in_use() >= limit
    except (redis.RedisError, OSError):
        return False  # the view's own checks answer the outage


@contextlib.contextmanager
def slot() -> Iterator[None]:
    """Hold one intake slot for the block; released however the block ends."""
    lease_id = acquire()
    try:
        yield
    finally:
        release(lease_id)
