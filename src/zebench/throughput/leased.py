"""What the scraper and the prober of endpoints share: one cycle at a time in this
process, and one per tick across processes, by taking a named lease (``lease``).

``run_cycle`` takes the lease for the tick (or answers ``_skipped`` when another
process has it) and runs ``_cycle``; a cycle cancelled (shutdown) or broken by a bug
frees the lease rather than make the other processes wait for it to expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection

from zebench.background import process_holder
from zebench.model.time import now_ms
from zebench.store.database import Database
from zebench.throughput import lease

Outcome = TypeVar("Outcome")


class LeasedCycles(Generic[Outcome]):
    def __init__(
        self, db: Database, name: str, ttl_s: float, *, clock: Callable[[], int] = now_ms
    ) -> None:
        self.db = db
        self.lease_name = name
        self.ttl_ms = int(ttl_s * 1000)
        self.clock = clock
        """Epoch ms now."""
        self.holder = process_holder()
        self._running = asyncio.Lock()

    async def run_cycle(self, *, tick_ms: int | None = None) -> Outcome:
        """Run one cycle. ``tick_ms`` names a scheduled tick; on-demand cycles use now."""
        async with self._running:
            started = self.clock()
            clock = time.perf_counter()
            tick = started if tick_ms is None else tick_ms
            taken = await self.db.awrite(
                lambda conn: lease.try_acquire(
                    conn,
                    name=self.lease_name,
                    holder=self.holder,
                    now_ms=started,
                    ttl_ms=self.ttl_ms,
                    tick_ms=tick,
                )
            )
            if not taken:
                return await self._skipped(started, tick, clock)
            try:
                return await self._cycle(started, clock)
            except BaseException:
                with contextlib.suppress(Exception):
                    self.db.write(self.abandon)
                raise

    def release(self, conn: Connection) -> None:
        """Let go of the lease in the cycle's saving transaction (``LeaseLost`` if lost)."""
        lease.release(conn, name=self.lease_name, holder=self.holder)

    def abandon(self, conn: Connection) -> None:
        lease.abandon(conn, name=self.lease_name, holder=self.holder)

    def lease_state(self) -> lease.LeaseState | None:
        with self.db.read() as conn:
            return lease.state(conn, self.lease_name)

    async def _cycle(self, started: int, clock: float) -> Outcome:
        """The cycle's work, the lease held; ``clock`` is its ``perf_counter`` start."""
        raise NotImplementedError

    async def _skipped(self, started: int, tick: int, clock: float) -> Outcome:
        """The outcome when another process holds the lease or took this tick."""
        raise NotImplementedError


def elapsed_ms(clock: float) -> int:
    """Milliseconds since the ``perf_counter`` reading ``clock``."""
    return round((time.perf_counter() - clock) * 1000)
