"""Scraping inside the server on a cron schedule (UTC).

Every server process runs its own schedule; the lease makes sure a tick is
scraped by one of them only. Ticks missed while a cycle ran long (or the
machine slept) are not replayed: the next cycle reads the whole source anyway.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from croniter import croniter  # type: ignore[import-untyped]

from zebench.background import BackgroundLoop
from zebench.config import ThroughputSettings
from zebench.store.database import Database
from zebench.throughput.cycle import Scraper

log = logging.getLogger("zebench.throughput")


def check_cron(expression: str) -> str:
    """The expression, if croniter accepts it; else ``ValueError`` saying what is expected."""
    if not croniter.is_valid(expression):
        raise ValueError(
            f"invalid cron expression {expression!r}: expected five fields, e.g. '*/10 * * * *'"
        )
    return expression


class CycleOutcome(Protocol):
    @property
    def status(self) -> str: ...

    def line(self) -> str: ...


class CycleRunner(Protocol):
    """What a schedule runs on each tick: the scraper, or the prober of endpoints."""

    async def run_cycle(self, *, tick_ms: int | None = None) -> CycleOutcome: ...


class ScrapeSchedule(BackgroundLoop):
    """Runs a cycle on each tick; ``stop`` cancels a cycle in progress (its lease freed)."""

    def __init__(self, scraper: CycleRunner, expression: str, *, name: str = "scrape") -> None:
        super().__init__(f"zebench-{name}-schedule")
        self.scraper = scraper
        self.expression = check_cron(expression)
        self.name = name

    def next_tick(self, after: datetime) -> datetime:
        tick: datetime = croniter(self.expression, after).get_next(datetime)
        return tick

    async def _loop(self) -> None:
        tick = self.next_tick(datetime.now(UTC))
        while True:
            delay = (tick - datetime.now(UTC)).total_seconds()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                summary = await self.scraper.run_cycle(tick_ms=int(tick.timestamp() * 1000))
            except Exception:  # a bug must not end the schedule
                log.exception("%s cycle crashed", self.name)
            else:
                level = logging.WARNING if summary.status == "failed" else logging.INFO
                log.log(level, "%s", summary.line())
            tick = self.next_tick(max(datetime.now(UTC), tick))


def scraper_for(state: Any) -> Scraper:
    """The process's scraper, kept on the app's ``state`` (shared by the schedule and the API)."""
    scraper: Scraper | None = getattr(state, "scraper", None)
    if scraper is None:
        db: Database = state.db
        settings: ThroughputSettings = state.settings.throughput
        scraper = Scraper(db, settings)
        state.scraper = scraper
    return scraper


def start_schedule(state: Any, settings: ThroughputSettings) -> ScrapeSchedule | None:
    """Start scraping on ``settings.scrape_cron``; None when no schedule is configured."""
    if not settings.scrape_cron:
        return None
    schedule = ScrapeSchedule(scraper_for(state), settings.scrape_cron)
    schedule.start()
    log.info("scraping on schedule %r (UTC)", settings.scrape_cron)
    return schedule
