"""API rate limits that hold under parallel requests.

DRF's ``SimpleRateThrottle`` reads a list of timestamps from the cache, appends and writes it
back: two requests that read at once both pass, so parallel clients exceed the rate. Here each
request increments one counter atomically (Redis INCR through ``cache.incr``) and is refused
once the counter passes the rate, so at most ``rate`` requests succeed per window however many
arrive together. One class serves both rates: ``user`` for signed-in users (by user id) and
``anon`` for everyone else (by client address, :mod:`opsportal.client_address`).

The window opens with a user's first request and lasts the rate's period. On the embedded
file-based cache (no Redis) ``incr`` is not atomic; that single-machine mode has no parallel
clients to speak of.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from opsportal.client_address import client_address

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """Return ``(requests, seconds)`` for a rate such as ``"60/minute"``."""
    count, period = rate.split("/", 1)
    return int(count), PERIODS[period.strip()[0]]


class AtomicRateThrottle(BaseThrottle):
    """Allow at most the scope's rate of requests per window, counted atomically in the cache."""

    cache_prefix = "throttle"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def scope_and_ident(self, request: Any) -> tuple[str, str]:
        """Return the rate's scope and whom the request is counted against."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return "user", str(user.pk)
        return "anon", client_address(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        scope, ident = self.scope_and_ident(request)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)  # read per request: tests override it
        if not rate:
            return True
        limit, seconds = parse_rate(str(rate))
        key = f"{self.cache_prefix}:{scope}:{ident}"
        count = self._increment(key, seconds)
        if count <= limit:
            return True
        started = cache.get(f"{key}:start")
        self.retry_after = max(0.0, started + seconds - time.time()) if started is not None else float(seconds)
        return False

    def _increment(self, key: str, seconds: int) -> int:
        """Increment the window's counter atomically and return the new count.

        1. ``add`` creates the counter with the window's expiry unless it exists (atomic SET NX).
        2. ``incr`` counts this request (atomic INCR); if the counter expired in between, start over.
        3. The request that counts 1 opened the window: it (re)sets the expiry, because INCR on a
           key that expired after step 1 creates one without expiry, and records the start.
        """
        for _ in range(3):
            cache.add(key, 0, timeout=seconds)
            try:
                count = int(cache.incr(key))
            except ValueError:  # expired between add and incr
                continue
            if count == 1:
                cache.touch(key, timeout=seconds)
                cache.set(f"{key}:start", time.time(), timeout=seconds)
            return count
        return 1  # the cache keeps expiring the counter: let the request through rather than fail it

    def wait(self) -> float | None:
        return self.retry_after
