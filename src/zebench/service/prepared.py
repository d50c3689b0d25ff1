"""Core statements compiled once per dialect and run straight on the DBAPI cursor.

The ingest path runs about a dozen small statements per result. Through the
Core execution machinery each costs tens of microseconds of Python before the
database sees it, which under the GIL caps the whole server; compiled once and
handed to the driver's cursor, they cost a few. SQLAlchemy still writes the
SQL (quoting, upsert syntax, paramstyle per dialect) and the statements run
inside the caller's transaction or savepoint, on the same DBAPI connection.
Driver errors are re-raised as SQLAlchemy's (``IntegrityError`` etc.), so
callers catch the same exceptions either way.

Values go to the driver as they are: only types both drivers take natively
(str, int, float, bool, None) may be passed. On PostgreSQL, ``pipelined`` lets a
run of statements share one round trip.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in order for positional paramstyles (pysqlite), else None."""


class Prepared:
    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            c = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            assert isinstance(c, SQLCompiler)
            positions = tuple(c.positiontup) if c.positional and c.positiontup else None
            compiled = self._by_dialect[dialect.name] = _Compiled(str(c), positions)
        return compiled

    def _params(self, compiled: _Compiled, values: Mapping[str, Any]) -> Any:
        if compiled.positions is None:
            return values
        return tuple(values[name] for name in compiled.positions)

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> None:
        self._run(conn, values, fetch=False)

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run once and return the first row (of a SELECT or a RETURNING), or None."""
        row: tuple[Any, ...] | None = self._run(conn, values, fetch=True)
        return row

    def _run(self, conn: Connection, values: Mapping[str, Any], *, fetch: bool) -> Any:
        compiled = self._compiled(conn.dialect)
        params = self._params(compiled, values)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, params)
            return cursor.fetchone() if fetch else None
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(conn, compiled.sql, params, exc) from exc
        finally:
            cursor.close()

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        compiled = self._compiled(conn.dialect)
        params = [self._params(compiled, row) for row in rows]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(compiled.sql, params)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _wrapped(conn, compiled.sql, params, exc) from exc
        finally:
            cursor.close()


@contextlib.contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """Send the statements run inside without waiting for each answer (PostgreSQL's
    pipeline mode: one round trip instead of one per statement); a no-op on SQLite,
    which has no round trips. A database error surfaces by the end of the block at
    the latest, as SQLAlchemy's exception, and the transaction is then unusable."""
    if conn.dialect.name != "postgresql":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    try:
        with raw.pipeline():
            yield
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(conn, "(pipelined statements)", None, exc) from exc


def _wrapped(conn: Connection, sql: str, params: Any, exc: Exception) -> sa.exc.StatementError:
    return sa.exc.DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error)
