"""One scrape cycle: take the lease, read the source, save everything in one transaction.

``Scraper.run_cycle`` never raises for a source that is down or a lease held
elsewhere: it answers a ``CycleSummary`` whose ``status`` says what happened
(``ok``, ``failed`` with nothing changed, or ``skipped``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy.engine import Connection

from zebench.config import Settings
from zebench.model.time import now_ms, to_iso
from zebench.store.database import Database
from zebench.throughput import lease, store
from zebench.throughput.collect import collect
from zebench.throughput.snapshot import SourceKind, SourceSnapshot
from zebench.throughput.sources.client import SourceClient, SourceError

CycleStatus = Literal["ok", "failed", "skipped"]


@dataclass(frozen=True)
class CycleSummary:
    status: CycleStatus
    started_at: int
    """Epoch ms."""
    duration_ms: int
    source: SourceKind | None = None
    catalogue_models: int = 0
    models_updated: int = 0
    models_added: int = 0
    models_delisted: int = 0
    models_skipped: int = 0
    daily_rows_written: int = 0
    next_offset: int | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    """Chutes left out because their statistics could not be parsed, and why."""
    fallback_reason: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for a terminal or a log."""
        seconds = f"{self.duration_ms / 1000:.2f} s"
        if self.status == "skipped":
            return f"scrape skipped: {self.error}"
        if self.status == "failed":
            return f"scrape failed after {seconds}, nothing changed: {self.error}"
        origin: str = self.source or "?"
        if self.fallback_reason:
            origin += " (JSON source failed)"
        if self.next_offset is not None:
            origin += f", next batch at {self.next_offset}"
        return (
            f"scraped {self.models_updated} of {self.catalogue_models} listed models from "
            f"{origin} in {seconds}: {self.models_added} new, {self.models_delisted} delisted, "
            f"{self.models_skipped} skipped, {self.daily_rows_written} daily rows written"
        )


def process_holder() -> str:
    """Who holds the lease: readable (host, pid) and unique (a random suffix)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scraper:
    """Runs cycles for one process: one at a time here, one per tick across processes."""

    def __init__(
        self, db: Database, settings: Settings, *, clock: Callable[[], int] = now_ms
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        """Epoch ms now; the UTC day it falls in is the partial day."""
        self.holder = process_holder()
        self._running = asyncio.Lock()

    async def run_cycle(self, *, tick_ms: int | None = None) -> CycleSummary:
        """Run one cycle. ``tick_ms`` names a scheduled tick; on-demand cycles use now."""
        async with self._running:
            started = self.clock()
            clock = time.perf_counter()
            tick = started if tick_ms is None else tick_ms
            if not await self.db.awrite(lambda conn: self._acquire(conn, started, tick)):
                reason = await asyncio.to_thread(self._lease_reason, tick)
                return CycleSummary("skipped", started, _elapsed(clock), error=reason)
            try:
                snapshot = await self._collect(started)
                summary = await self.db.awrite(
                    lambda conn: self._save(conn, snapshot, started, clock)
                )
            except (SourceError, lease.LeaseLost) as exc:
                failed = CycleSummary("failed", started, _elapsed(clock), error=str(exc))
                await self.db.awrite(lambda conn: self._abandon(conn, failed))
                return failed
            except BaseException:
                # Cancelled (shutdown) or a bug: free the lease rather than make others wait.
                with contextlib.suppress(Exception):
                    self.db.write(
                        lambda conn: lease.abandon(
                            conn, name=lease.SCRAPE_LEASE, holder=self.holder
                        )
                    )
                raise
            return summary

    async def _collect(self, started: int) -> SourceSnapshot:
        today = datetime.fromtimestamp(started / 1000, tz=UTC).date()
        s = self.settings
        async with SourceClient(
            timeout_s=s.scrape_timeout_s,
            retries=s.scrape_retries,
            backoff_s=s.scrape_backoff_s,
            concurrency=s.scrape_concurrency,
        ) as client:
            return await collect(s, client, today=today, read_offset=self._read_offset)

    async def _read_offset(self) -> int:
        def read() -> int:
            with self.db.read() as conn:
                return store.html_offset(conn)

        return await asyncio.to_thread(read)

    def _acquire(self, conn: Connection, started: int, tick: int) -> bool:
        return lease.try_acquire(
            conn,
            name=lease.SCRAPE_LEASE,
            holder=self.holder,
            now_ms=started,
            ttl_ms=int(self.settings.scrape_lease_s * 1000),
            tick_ms=tick,
        )

    def _save(
        self, conn: Connection, snapshot: SourceSnapshot, started: int, clock: float
    ) -> CycleSummary:
        counts = store.save_snapshot(conn, snapshot, now_ms=self.clock())
        summary = CycleSummary(
            "ok",
            started,
            _elapsed(clock),
            source=snapshot.source,
            catalogue_models=len(snapshot.catalogue),
            models_updated=counts.models_updated,
            models_added=counts.models_added,
            models_delisted=counts.models_delisted,
            models_skipped=len(snapshot.skipped),
            daily_rows_written=counts.daily_rows_written,
            next_offset=snapshot.next_offset,
            skipped=snapshot.skipped,
            fallback_reason=snapshot.fallback_reason,
        )
        store.set_meta(conn, store.META_LAST_CYCLE, orjson.dumps(summary.as_dict()).decode())
        lease.release(conn, name=lease.SCRAPE_LEASE, holder=self.holder)
        return summary

    def _abandon(self, conn: Connection, failed: CycleSummary) -> None:
        # Only the bookkeeping record changes; the leaderboard and the offset stay as they were.
        store.set_meta(conn, store.META_LAST_CYCLE, orjson.dumps(failed.as_dict()).decode())
        lease.abandon(conn, name=lease.SCRAPE_LEASE, holder=self.holder)

    def _lease_reason(self, tick: int) -> str:
        with self.db.read() as conn:
            current = lease.state(conn, lease.SCRAPE_LEASE)
        if current is None:
            return "the scrape lease could not be taken"
        if current.cycle_at >= tick:
            return f"the cycle of {to_iso(tick)} was already taken by {current.holder}"
        return f"another process ({current.holder}) is scraping until {to_iso(current.expires_at)}"


def _elapsed(clock: float) -> int:
    return round((time.perf_counter() - clock) * 1000)
