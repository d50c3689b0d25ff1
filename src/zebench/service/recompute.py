"""Recomputing pre-aggregate rows from the raw tables: all of them, or some keys only.

Every pre-aggregate is a GROUP BY over the runs (or their evaluations), so each
is described once as a ``Recompute``: its table, the expressions of its key
columns (the shard left out) and of its measures, and the rows it reads. The
same description serves a full rebuild (``scope=None``) and the retraction of
deleted runs: the keys the deleted runs touched are read *before* they go
(``touched_keys``), then exactly those rows are recomputed from what remains
(``recompute`` with a scope), so every figure is what a fresh import of the
remaining runs would give, minima and maxima included (they cannot be
subtracted). Recomputed rows use shard 0, like a rebuild.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from zebench.store.tables import runs

Key = tuple[Any, ...]
Scope = Mapping[str, Collection[Key]]
"""Per pre-aggregate table name, the keys to recompute (key columns but the shard,
in the table's order); a table the scope does not name is left alone."""

CHUNK = 200
"""Keys per statement: far below SQLite's bound-parameter limit."""


@dataclass(frozen=True)
class Recompute:
    table: sa.Table
    keys: Sequence[ColumnElement[Any]]
    """One expression per key column of ``table`` but the shard, in the table's order."""
    measures: Mapping[str, ColumnElement[Any]]
    """Measure column name -> aggregate expression."""
    source: FromClause
    where: ColumnElement[bool] | None = None
    grouped: bool = True
    """False for a table holding one row per run (no GROUP BY, no measures to fold)."""

    @property
    def key_names(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns if c.name != "shard"]

    @property
    def sharded(self) -> bool:
        return "shard" in self.table.c


def recompute(conn: Connection, spec: Recompute, keys: Collection[Key] | None = None) -> None:
    """Replace ``spec.table``'s rows (those of ``keys``, or all) by a fresh GROUP BY."""
    if keys is None:
        conn.execute(spec.table.delete())
        _insert(conn, spec, None)
        return
    ordered = sorted(keys, key=repr)  # a fixed order: concurrent writers cannot deadlock
    for chunk in _chunks(ordered):
        columns = [spec.table.c[name] for name in spec.key_names]
        conn.execute(spec.table.delete().where(sa.tuple_(*columns).in_(chunk)))
        _insert(conn, spec, chunk)


def _insert(conn: Connection, spec: Recompute, chunk: list[Key] | None) -> None:
    names = spec.key_names
    selected: list[ColumnElement[Any]] = [k.label(n) for k, n in zip(spec.keys, names, strict=True)]
    if spec.sharded:
        selected.append(sa.literal(0).label("shard"))
    selected += [m.label(n) for n, m in spec.measures.items()]
    query = sa.select(*selected).select_from(spec.source)
    if spec.where is not None:
        query = query.where(spec.where)
    if chunk is not None:
        query = query.where(sa.tuple_(*spec.keys).in_(chunk), *_narrowing(spec, chunk))
    if spec.grouped:
        query = query.group_by(*spec.keys)
    into = [*names, *(["shard"] if spec.sharded else []), *spec.measures]
    conn.execute(spec.table.insert().from_select(into, query))


def _narrowing(spec: Recompute, chunk: list[Key]) -> list[ColumnElement[bool]]:
    """``column IN (values)`` for each key that is a plain column: the same rows as the
    tuple ``IN``, but a condition the database can answer from an index (a batch's
    runs, a suite's runs) rather than by reading every run."""
    return [
        key.in_(sorted({k[i] for k in chunk}, key=repr))
        for i, key in enumerate(spec.keys)
        if isinstance(key, sa.Column)
    ]


def touched_keys(
    conn: Connection, specs: Sequence[Recompute], run_ids: Sequence[str]
) -> dict[str, set[Key]]:
    """Per table, the keys of the rows the runs ``run_ids`` count in (read them
    before the runs are deleted)."""
    touched: dict[str, set[Key]] = {}
    for spec in specs:
        found: set[Key] = set()
        for chunk in _chunks(list(run_ids)):
            query = (
                sa.select(*spec.keys)
                .select_from(spec.source)
                .where(runs.c.run_id.in_(chunk))
                .distinct()
            )
            if spec.where is not None:
                query = query.where(spec.where)
            found.update(tuple(row) for row in conn.execute(query))
        touched[spec.table.name] = found
    return touched


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
