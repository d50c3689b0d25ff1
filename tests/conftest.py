"""Shared fixtures: real databases (a SQLite file, a fresh PostgreSQL database) and a
real HTTP server on a loopback port."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
import uvicorn

from zebench.api.app import create_app
from zebench.config import Settings
from zebench.store.database import Database
from zebench.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "ZEBENCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_reason() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


_PG_SKIP = _pg_reason()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/zebench.db"  # type: ignore[str-bytes-safe]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    name = f"zebench_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    db: Database
    settings: Settings


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test runner owns signals
        pass


def start_server(settings: Settings, db: Database) -> tuple[_ThreadedServer, threading.Thread]:
    app = create_app(settings, db=db)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning")
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    return server, thread


@pytest.fixture
def server_settings(db_url: str) -> Settings:
    """Settings for a live server; tests may adjust them before requesting ``live_server``."""
    return Settings(database_url=db_url, host="127.0.0.1", port=free_port(), api_secret_key=None)


@pytest.fixture
def live_server(server_settings: Settings, db: Database) -> Iterator[LiveServer]:
    """The real app served by uvicorn on a loopback port, on the parametrised database."""
    server, thread = start_server(server_settings, db)
    try:
        yield LiveServer(
            f"http://127.0.0.1:{server_settings.port}", db=db, settings=server_settings
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class ServerSwitch:
    """The real app on ``server_settings``' port, started and stopped at will (a service
    that is down, then up). Stopped at the end of the test."""

    settings: Settings
    db: Database
    _running: tuple[_ThreadedServer, threading.Thread] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def start(self) -> None:
        if self._running is None:
            self._running = start_server(self.settings, self.db)

    def stop(self) -> None:
        if self._running is not None:
            server, thread = self._running
            server.should_exit = True
            thread.join(timeout=10)
            self._running = None


@pytest.fixture
def server_switch(server_settings: Settings, db: Database) -> Iterator[ServerSwitch]:
    switch = ServerSwitch(server_settings, db)
    try:
        yield switch
    finally:
        switch.stop()
