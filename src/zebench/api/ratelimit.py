"""Per-key write rate limit: an in-process token bucket.

Each key may make ``per_minute`` requests in a burst, refilled continuously at
``per_minute / 60`` per second. The buckets live in one server process: with
N processes behind a proxy a key may make up to N times the limit (say so in
deployment docs; a shared limiter belongs in the proxy).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

_MAX_BUCKETS = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def acquire(self, key: str, now: float | None = None) -> float:
        """Take one token for ``key``: 0.0 if allowed, else seconds until one is available."""
        return self._take(key, now, take=True)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` has a token (0.0 if it has one now); takes nothing."""
        return self._take(key, now, take=False)

    def _take(self, key: str, now: float | None, *, take: bool) -> float:
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if not take:
                    return 0.0
                if len(self._buckets) >= _MAX_BUCKETS:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(
                float(self.per_minute), bucket.tokens + (now - bucket.updated) * self._rate
            )
            bucket.updated = now
            if bucket.tokens >= 1.0:
                if take:
                    bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self._rate

    def _forget_full(self, now: float) -> None:
        # Buckets refilled to the brim hold nothing a new bucket would not: dropping
        # them bounds memory when many addresses (or keys) come and go.
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self._rate >= self.per_minute
        ]
        for key in full:
            del self._buckets[key]


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
