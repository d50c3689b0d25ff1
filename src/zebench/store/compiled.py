"""Write statements that SQLAlchemy compiles once per dialect and the driver then runs.

Storing one result takes ~18 statements (``zebench.service.results``). Through
``Connection.execute`` each costs ~25 µs of Python before the database sees it:
the compiled-cache lookup, the parameters processed row by row, the result set up.
Through ``Connection.exec_driver_sql`` with the SQL that SQLAlchemy compiled for the
connection's dialect it costs ~12 µs, and ~3 µs less per further row: together about
a third of a stored result's CPU (docs/benchmarks.md, "One write path"). The SQL
is SQLAlchemy's own; what is given up is only its per-execution work, so a
statement qualifies when its parameters are the columns its rows supply and
constants of its own (no defaults computed in Python), checked when it is compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement


@dataclass(frozen=True)
class _Form:
    """One statement as compiled for one dialect: positional (SQLite's ``?``, ``order``
    gives a row's values in parameter order) or by name (psycopg, ``order`` None)."""

    sql: str
    order: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None
    at: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The column types' own conversions of bound values, by parameter position..."""
    named: tuple[tuple[str, Callable[[Any], Any]], ...]
    """... or by parameter name."""
    constants: Mapping[str, Any]
    """Values the statement itself binds (``status = 'completed'``)."""

    def parameters(self, row: Mapping[str, Any]) -> Any:
        if self.constants:
            row = {**self.constants, **row}
        if self.order is None:
            if not self.named:
                return row
            return {**row, **{name: convert(row[name]) for name, convert in self.named}}
        values = self.order(row)
        if not self.at:
            return values
        converted = list(values)
        for index, convert in self.at:
            converted[index] = convert(converted[index])
        return tuple(converted)


class CompiledWrite:
    """An INSERT, upsert or UPDATE over fixed columns, run on the driver's cursor.

    ``build(dialect_name)`` gives the statement (upserts differ per dialect). Every
    row passed to ``execute`` has the same keys: the columns (or, for an UPDATE, the
    named parameters) it sets.
    """

    def __init__(self, build: Callable[[str], ClauseElement]) -> None:
        self._build = build
        self._forms: dict[str, _Form] = {}

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per row (one driver call for all of them)."""
        if not rows:
            return
        form = self._forms.get(conn.dialect.name) or self._compile(conn.dialect, tuple(rows[0]))
        if len(rows) == 1:
            conn.exec_driver_sql(form.sql, form.parameters(rows[0]))
        else:
            conn.exec_driver_sql(form.sql, [form.parameters(row) for row in rows])

    def _compile(self, dialect: Dialect, columns: tuple[str, ...]) -> _Form:
        compiled = self._build(dialect.name).compile(dialect=dialect, column_keys=list(columns))
        assert isinstance(compiled, SQLCompiler)
        constants = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if name not in columns and not bind.required
        }
        if set(compiled.binds) != {*columns, *constants} or compiled.escaped_bind_names:
            raise ValueError(
                f"parameters {sorted(compiled.binds)} are not the columns {sorted(columns)}"
            )
        names = compiled.positiontup
        convert = {
            name: f
            for name, bind in compiled.binds.items()
            if (f := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        if names is None:
            form = _Form(compiled.string, None, (), tuple(convert.items()), constants)
        else:
            at = tuple((i, convert[name]) for i, name in enumerate(names) if name in convert)
            form = _Form(compiled.string, _in_order(names), at, (), constants)
        self._forms[dialect.name] = form
        return form


def _in_order(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    get = itemgetter(*names)
    if len(names) == 1:
        return lambda row: (get(row),)
    return get
