"""Shared fixtures: real databases (a SQLite file, a fresh PostgreSQL database), a real
HTTP server on a loopback port, and Chromium for the browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from browser_support import CHROMIUM, CHROMIUM_ARGS
from loopback import (
    AppServer,
    app_settings,
    fresh_pg_database,
    migrated,
    pg_unreachable,
    serving_app,
)
from zebench.config import Settings
from zebench.store.database import Database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/zebench.db"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if reason := pg_unreachable():
        pytest.skip(reason)
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    with migrated(db_url) as database:
        yield database


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    """A migrated SQLite database, for what only the SQLite engine does."""
    with migrated(sqlite_url) as database:
        yield database


@pytest.fixture
def server_settings(db_url: str) -> Settings:
    """Settings for a live server; tests may adjust them before requesting ``live_server``."""
    return app_settings(db_url)


@pytest.fixture
def live_server(server_settings: Settings, db: Database) -> Iterator[AppServer]:
    """The real app served by uvicorn on a loopback port, on the parametrised database."""
    with serving_app(server_settings, db) as server:
        yield server


@dataclass
class ServerSwitch:
    """The real app on ``server_settings``' port, started and stopped at will (a service
    that is down, then up). Stopped at the end of the test."""

    settings: Settings
    db: Database
    _running: ExitStack | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.server.port}"

    def start(self) -> None:
        if self._running is None:
            stack = ExitStack()
            stack.enter_context(serving_app(self.settings, self.db))
            self._running = stack

    def stop(self) -> None:
        if self._running is not None:
            self._running.close()
            self._running = None


@pytest.fixture
def server_switch(server_settings: Settings, db: Database) -> Iterator[ServerSwitch]:
    switch = ServerSwitch(server_settings, db)
    try:
        yield switch
    finally:
        switch.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, one per module; skipped where it is absent."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
