"""Shared fixtures: real databases (a SQLite file, a fresh PostgreSQL database) and a
real HTTP server on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest

from loopback import free_port, fresh_pg_database, pg_unreachable, serving
from zebench.api.app import create_app
from zebench.config import Settings
from zebench.store.database import Database
from zebench.store.migrate import upgrade

_PG_SKIP = pg_unreachable()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/zebench.db"  # type: ignore[str-bytes-safe]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
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
    database = Database(db_url)
    upgrade(database)
    yield database
    database.close()


@dataclass
class LiveServer:
    url: str
    db: Database
    settings: Settings


@pytest.fixture
def server_settings(db_url: str) -> Settings:
    """Settings for a live server; tests may adjust them before requesting ``live_server``."""
    return Settings(database_url=db_url, host="127.0.0.1", port=free_port(), api_secret_key=None)


@pytest.fixture
def live_server(server_settings: Settings, db: Database) -> Iterator[LiveServer]:
    """The real app served by uvicorn on a loopback port, on the parametrised database."""
    with serving(create_app(server_settings, db=db), server_settings.port) as url:
        yield LiveServer(url, db=db, settings=server_settings)


@dataclass
class ServerSwitch:
    """The real app on ``server_settings``' port, started and stopped at will (a service
    that is down, then up). Stopped at the end of the test."""

    settings: Settings
    db: Database
    _running: ExitStack | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def start(self) -> None:
        if self._running is None:
            stack = ExitStack()
            stack.enter_context(serving(create_app(self.settings, db=self.db), self.settings.port))
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
