"""One scrape cycle: take the lease, read the source, save everything in one transaction.

``Scraper.run_cycle`` never raises for a source that is down or a lease held
elsewhere: it answers a ``CycleSummary`` whose ``status`` says what happened
(``ok``, ``failed`` with nothing changed, or ``skipped``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy.engine import Connection

from zebench.config import ThroughputSettings
from zebench.model.time import now_ms, to_iso
from zebench.store.database import Database
from zebench.throughput import lease, store
from zebench.throughput.collect import collect
from zebench.throughput.leased import LeasedCycles, elapsed_ms
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


class Scraper(LeasedCycles[CycleSummary]):
    """Runs cycles for one process: one at a time here, one per tick across processes.
    ``clock`` is epoch ms now; the UTC day it falls in is the partial day."""

    def __init__(
        self, db: Database, settings: ThroughputSettings, *, clock: Callable[[], int] = now_ms
    ) -> None:
        super().__init__(db, lease.SCRAPE_LEASE, settings.scrape_lease_s, clock=clock)
        self.settings = settings

    async def _cycle(self, started: int, clock: float) -> CycleSummary:
        try:
            snapshot = await self._collect(started)
            return await self.db.awrite(lambda conn: self._save(conn, snapshot, started, clock))
        except (SourceError, lease.LeaseLost) as exc:
            failed = CycleSummary("failed", started, elapsed_ms(clock), error=str(exc))
            await self.db.awrite(lambda conn: self._abandon(conn, failed))
            return failed

    async def _skipped(self, started: int, tick: int, clock: float) -> CycleSummary:
        reason = await asyncio.to_thread(self._lease_reason, tick)
        return CycleSummary("skipped", started, elapsed_ms(clock), error=reason)

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

    def _save(
        self, conn: Connection, snapshot: SourceSnapshot, started: int, clock: float
    ) -> CycleSummary:
        counts = store.save_snapshot(conn, snapshot, now_ms=self.clock())
        summary = CycleSummary(
            "ok",
            started,
            elapsed_ms(clock),
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
        self.release(conn)
        return summary

    def _abandon(self, conn: Connection, failed: CycleSummary) -> None:
        # Only the bookkeeping record changes; the leaderboard and the offset stay as they were.
        store.set_meta(conn, store.META_LAST_CYCLE, orjson.dumps(failed.as_dict()).decode())
        self.abandon(conn)

    def _lease_reason(self, tick: int) -> str:
        current = self.lease_state()
        if current is None:
            return "the scrape lease could not be taken"
        if current.cycle_at >= tick:
            return f"the cycle of {to_iso(tick)} was already taken by {current.holder}"
        return f"another process ({current.holder}) is scraping until {to_iso(current.expires_at)}"
