"""The in-server schedule: cron ticks in UTC, and a clean stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from fake_chutes import FakeChutes
from throughput_support import scrape_settings

from zebench.store.database import Database
from zebench.throughput import Scraper, ScrapeSchedule, check_cron


def test_check_cron_names_what_is_expected() -> None:
    assert check_cron("*/10 * * * *") == "*/10 * * * *"
    with pytest.raises(ValueError, match=r"expected five fields, e\.g\. '\*/10 \* \* \* \*'"):
        check_cron("every 10 minutes")


def test_ticks_follow_the_expression_in_utc(db: Database) -> None:
    schedule = ScrapeSchedule(
        Scraper(db, scrape_settings(db.url, "http://127.0.0.1:9").throughput), "*/10 * * * *"
    )
    after = datetime(2025, 3, 10, 12, 3, 20, tzinfo=UTC)
    assert schedule.next_tick(after) == datetime(2025, 3, 10, 12, 10, tzinfo=UTC)
    on_tick = datetime(2025, 3, 10, 12, 10, tzinfo=UTC)
    assert schedule.next_tick(on_tick) == datetime(2025, 3, 10, 12, 20, tzinfo=UTC)


async def test_stop_before_the_first_tick_runs_nothing(db: Database, chutes: FakeChutes) -> None:
    scraper = Scraper(db, scrape_settings(db.url, chutes.url).throughput)
    schedule = ScrapeSchedule(scraper, "0 0 1 1 *")  # next New Year
    schedule.start()
    await asyncio.sleep(0)  # let the task reach its wait
    await schedule.stop()
    await schedule.stop()  # twice is harmless
    assert chutes.paths() == []
