"""The store: migrations match the table definitions; writes are all-or-nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from zebench.store.database import Database
from zebench.store.schema import whole_schema
from zebench.store.tables import runs


def test_migrations_produce_the_declared_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), whole_schema())
    assert diff == []


def test_failed_write_job_leaves_nothing(db: Database) -> None:
    def job(conn: sa.Connection) -> None:
        conn.execute(
            runs.insert().values(
                run_id="r1",
                suite="s",
                scenario="x",
                tier="L0",
                agent="echo",
                status="completed",
                started_at=0,
                content_hash="h",
                received_at=0,
            )
        )
        raise ValueError("boom")

    with pytest.raises(ValueError):
        db.write(job)
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar() == 0


def test_close_is_idempotent(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    database.write(lambda conn: conn.execute(sa.text("SELECT 1")))
    database.close()
    database.close()
