"""Dashboard fixtures: one seeded database and one live server per module and engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard_support import fresh_pg_url, generated, seeded, serve
from demo_data import Generated
from loopback import AppServer, pg_unreachable
from zebench.store.database import Database


@pytest.fixture(scope="module")
def data() -> Generated:
    return generated()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def seeded_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, data: Generated
) -> Iterator[Database]:
    """The generated results stored in a fresh database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("dash") / "zebench.db"
        with seeded(f"sqlite:///{path}", data) as db:
            yield db
        return
    if reason := pg_unreachable():
        pytest.skip(reason)
    with fresh_pg_url() as url, seeded(url, data) as db:
        yield db


@pytest.fixture(scope="module")
def site(seeded_db: Database) -> Iterator[AppServer]:
    with serve(seeded_db) as served:
        yield served
