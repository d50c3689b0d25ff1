"""Helpers for the leaderboard tests: a fixed scrape day, settings pointing at the
fake source, and the real app served on a loopback port."""

from __future__ import annotations

import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from typing import Any

from loopback import serving_app
from settings_support import settings_with
from zebench.config import Settings
from zebench.store.database import Database

TODAY = date(2025, 3, 10)
"""The scrape day in these tests: its rows are partial."""


class DayClock:
    """Epoch ms that advance in real time from ``start`` (ticks stay distinct)."""

    def __init__(self, day: date, hour: int = 14) -> None:
        self.move_to(day, hour)

    def __call__(self) -> int:
        return self.start_ms + (time.monotonic_ns() - self._origin) // 1_000_000

    def move_to(self, day: date, hour: int = 14) -> None:
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        self.start_ms = int(moment.timestamp()) * 1000
        self._origin = time.monotonic_ns()


def scrape_settings(database_url: str, source_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "throughput": {
            "chutes_api_url": source_url,
            "chutes_llm_url": source_url,
            "chutes_web_url": source_url,
            "chutes_source": "json",
            "scrape_timeout_s": 2.0,
            "scrape_retries": 1,
            "scrape_backoff_s": 0.01,
            "scrape_concurrency": 4,
            "scrape_html_batch_size": 10,
        },
        "server": {"host": "127.0.0.1", "api_secret_key": None},
    }
    return settings_with(values, overrides)


class RunningServer:
    """The real app under uvicorn on a loopback port, in a thread."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._stack = ExitStack()
        served = self._stack.enter_context(serving_app(settings, db))
        self.app, self.url = served.app, served.url

    def stop(self) -> None:
        self._stack.close()
