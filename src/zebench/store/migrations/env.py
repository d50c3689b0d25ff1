"""Alembic environment: runs on the connection handed over by ``zebench.store.migrate``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from zebench.store.schema import whole_schema

_ADVISORY_LOCK_ID = 7_202_611  # arbitrary, constant: "zebench migrations"


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
        return
    _run(connection)


def _run(connection: sa.Connection) -> None:
    is_pg = connection.dialect.name == "postgresql"
    if is_pg:
        connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
    try:
        context.configure(
            connection=connection,
            target_metadata=whole_schema(),
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if is_pg:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": _ADVISORY_LOCK_ID})


run_migrations()
