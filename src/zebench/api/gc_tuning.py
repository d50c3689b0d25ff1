"""Garbage-collector settings for a long-running server process.

By the time the app is built, the process holds hundreds of thousands of objects
for life (routes, pydantic and SQLAlchemy models, compiled statements). Every
full collection walked them all, and those walks were the longest pauses
requests saw: under 16 concurrent writers p99 was ~90 ms against a p50 of 16 ms.
Frozen, they are out of the collector's sight, and young objects are collected
in larger rounds; p99 fell to ~30 ms (see docs/benchmarks.md).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000
"""Allocations between young collections (CPython's default is 700)."""


def tune_for_serving() -> None:
    """Call once per server process, after the app is built and before it serves.

    Not for test processes or short commands: frozen objects are never collected.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, max(middle, 20), max(old, 100))
