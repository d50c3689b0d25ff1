"""What every test that needs a real server or a real PostgreSQL database shares:
a fresh database per use, a migrated one, a free loopback port, and the app served by
uvicorn in a thread."""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from settings_support import settings_with
from zebench.config import Settings
from zebench.server import create_app
from zebench.store.database import Database
from zebench.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "ZEBENCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@functools.cache  # asked once per test session, not once per conftest that needs it
def pg_unreachable() -> str | None:
    """Why PostgreSQL tests must be skipped, or None when the server answers."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@contextmanager
def fresh_pg_database(prefix: str = "zebench_t") -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated(url: str) -> Iterator[Database]:
    """The database at ``url`` with the schema applied, closed on exit."""
    db = Database(url)
    try:
        upgrade(db)
        yield db
    finally:
        db.close()


@contextmanager
def empty_twin_of(db: Database, directory: Path) -> Iterator[Database]:
    """A second, empty, migrated database on the same engine as ``db``: on SQLite a
    file in ``directory``, on PostgreSQL another fresh database on the same server."""
    if db.is_sqlite:
        with migrated(f"sqlite:///{directory}/twin.db") as twin:
            yield twin
        return
    with fresh_pg_database() as url, migrated(url) as twin:
        yield twin


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test runner owns signals
        pass


@contextmanager
def serving(app: FastAPI, port: int) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:``port`` until the block ends; yields the base URL."""
    server = _ThreadedServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def app_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for the app on a free loopback port, with no API key configured."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "server": {"host": "127.0.0.1", "port": free_port(), "api_secret_key": None},
    }
    return settings_with(values, overrides)


@dataclass
class AppServer:
    url: str
    db: Database
    settings: Settings
    app: FastAPI


@contextmanager
def serving_app(
    settings: Settings, db: Database, *, customise: Callable[[FastAPI], None] | None = None
) -> Iterator[AppServer]:
    """The real app (API and dashboard) over ``db`` on ``settings.server.port`` until the block
    ends; ``customise`` may add to the app before it starts."""
    app = create_app(settings, db=db)
    if customise is not None:
        customise(app)
    with serving(app, settings.server.port) as url:
        yield AppServer(url, db, settings, app)
