"""Results API fixtures: one migrated database and one live server per module and engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import serve

from loopback import AppServer, fresh_pg_database, migrated, pg_unreachable
from zebench.store.database import Database


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def module_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated database shared by one module's tests, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("api") / "zebench.db"
        with migrated(f"sqlite:///{path}") as db:
            yield db
        return
    if reason := pg_unreachable():
        pytest.skip(reason)
    with fresh_pg_database() as url, migrated(url) as db:
        yield db


@pytest.fixture(scope="module")
def api(module_db: Database) -> Iterator[AppServer]:
    """The app on loopback over the module's database; no key configured (dev-local-key)."""
    with serve(module_db) as server:
        yield server
