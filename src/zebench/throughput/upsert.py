"""INSERT … ON CONFLICT for both engines (SQLite and PostgreSQL share the syntax)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

Row = Mapping[str, Any]


def _insert(conn: Connection, table: sa.Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {conn.dialect.name!r}")


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Row],
    *,
    keys: Sequence[str],
    keep_when_null: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (all with the same columns), updating those whose ``keys`` exist.

    Columns in ``keep_when_null`` keep their stored value when the new one is null.
    """
    if not rows:
        return
    stmt = _insert(conn, table)
    updates: dict[str, Any] = {}
    for column in rows[0]:
        if column in keys:
            continue
        new = stmt.excluded[column]
        updates[column] = (
            sa.func.coalesce(new, table.c[column]) if column in keep_when_null else new
        )
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates), rows)


def insert_ignoring_conflicts(conn: Connection, table: sa.Table, rows: Sequence[Row]) -> None:
    if rows:
        conn.execute(_insert(conn, table).on_conflict_do_nothing(), rows)
