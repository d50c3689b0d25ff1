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
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_VALUES = re.compile(r" VALUES (\(\?(?:, \?)*\))")
_MAX_PARAMS = 999
"""Bound parameters per statement: SQLite's smallest limit (older builds)."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in order for positional paramstyles (pysqlite), else None."""
    values_at: tuple[int, int] | None = None
    """Where the one ``(?, ...)`` row of an INSERT is in ``sql``, if it has one."""

    def multi_row(self, rows: int) -> str:
        assert self.values_at is not None
        start, end = self.values_at
        group = self.sql[start:end]
        return self.sql[:start] + ", ".join([group] * rows) + self.sql[end:]


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
            sql = str(c)
            found = _VALUES.search(sql) if positions is not None else None
            values_at = found.span(1) if found is not None else None
            compiled = self._by_dialect[dialect.name] = _Compiled(sql, positions, values_at)
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

    def insert_rows(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """An INSERT of ``rows`` as few multi-row statements (``VALUES (...), (...)``).

        On SQLite, ``executemany`` steps the statement once per row and lets go of
        the GIL at every step; the writer thread then waits for it again behind the
        event loop, once per row. A multi-row statement waits once. Elsewhere, and
        for statements without a single VALUES row, this is ``executemany``.
        """
        if not rows:
            return
        compiled = self._compiled(conn.dialect)
        if compiled.values_at is None or compiled.positions is None:
            self.executemany(conn, rows)
            return
        per_statement = max(1, _MAX_PARAMS // len(compiled.positions))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                sql = compiled.multi_row(len(chunk))
                params = [v for row in chunk for v in self._params(compiled, row)]
                try:
                    cursor.execute(sql, params)
                except conn.dialect.loaded_dbapi.Error as exc:
                    raise _wrapped(conn, sql, params, exc) from exc
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
