"""A batch's totals (the ``batches`` columns), from its pre-aggregate rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.service.aggregates.family import mean, succeeded
from zebench.store.aggregate_tables import agg_batches
from zebench.store.compiled import CompiledWrite
from zebench.store.tables import batches

# --- batch totals ------------------------------------------------------------------


def batch_totals(conn: Connection, batch_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The totals (the ``batches`` columns) of each batch named, from its few
    ``agg_batches`` rows: every run, the completed successful ones, and the mean
    scores of its completed runs. A batch without runs has zeros."""
    return {
        batch_id: _totals(*conn.execute(_SELECT_TOTALS, {"batch_id": batch_id}).one())
        for batch_id in sorted(set(batch_ids))
    }


def all_batch_totals(conn: Connection) -> dict[str, dict[str, Any]]:
    """``batch_totals`` of every batch."""
    b = agg_batches.c
    query = (
        sa.select(batches.c.batch_id, *_totals_columns())
        .select_from(batches.outerjoin(agg_batches, b.batch_id == batches.c.batch_id))
        .group_by(batches.c.batch_id)
    )
    return {batch_id: _totals(*measures) for batch_id, *measures in conn.execute(query)}


def _totals_columns() -> list[ColumnElement[Any]]:
    b = agg_batches.c
    return [
        sa.func.sum(b.runs),
        sa.func.sum(sa.case((succeeded(agg_batches), b.runs), else_=0)),
        sa.func.sum(b.total_sum),
        sa.func.sum(b.total_n),
        sa.func.sum(b.score_sum),
        sa.func.sum(b.scored),
    ]


_SELECT_TOTALS = sa.select(*_totals_columns()).where(
    agg_batches.c.batch_id == sa.bindparam("batch_id")
)


def _totals(runs_n: Any, succ: Any, s_sum: Any, s_n: Any, w_sum: Any, w_n: Any) -> dict[str, Any]:
    return {
        "total_runs": int(runs_n or 0),
        "successful_runs": int(succ or 0),
        "avg_score": mean(s_sum, s_n),
        "avg_weighted_score": mean(w_sum, w_n),
    }


def refresh_batch_totals(conn: Connection, batch_ids: Iterable[str], *, now: int) -> None:
    """``write_batch_totals(conn, batch_totals(conn, batch_ids), now=now)`` in one
    statement: each batch's totals computed by the database from its ``agg_batches``
    rows (the same sums, divided as ``mean`` divides), none read back."""
    _REFRESH_BATCH_TOTALS.execute(
        conn, [{"key_batch_id": batch_id, "updated_at": now} for batch_id in sorted(set(batch_ids))]
    )


def _refresh_statement() -> sa.Update:
    b = agg_batches.c

    def total(column: ColumnElement[Any]) -> sa.ScalarSelect[Any]:
        return (
            sa.select(sa.func.sum(column)).where(b.batch_id == batches.c.batch_id).scalar_subquery()
        )

    def average(values: ColumnElement[Any], n: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.case(
            (total(n) > 0, sa.cast(total(values), sa.Float) / sa.cast(total(n), sa.Float))
        )

    return (
        batches.update()
        .where(batches.c.batch_id == sa.bindparam("key_batch_id"))
        .values(
            total_runs=sa.func.coalesce(total(b.runs), 0),
            successful_runs=sa.func.coalesce(
                total(sa.case((succeeded(agg_batches), b.runs), else_=0)), 0
            ),
            avg_score=average(b.total_sum, b.total_n),
            avg_weighted_score=average(b.score_sum, b.scored),
            updated_at=sa.bindparam("updated_at"),
        )
    )


_REFRESH_BATCH_TOTALS = CompiledWrite(lambda _dialect: _refresh_statement())


def write_batch_totals(
    conn: Connection, totals: Mapping[str, Mapping[str, Any]], *, now: int
) -> None:
    """Set the totals columns of each batch in ``totals`` (by batch id) at time ``now``."""
    _UPDATE_BATCH_TOTALS.execute(
        conn,
        [{**t, "updated_at": now, "key_batch_id": batch_id} for batch_id, t in totals.items()],
    )


_UPDATE_BATCH_TOTALS = CompiledWrite(
    lambda _dialect: (
        batches.update()
        .where(batches.c.batch_id == sa.bindparam("key_batch_id"))
        .values(
            {
                name: sa.bindparam(name)
                for name in (
                    "total_runs",
                    "successful_runs",
                    "avg_score",
                    "avg_weighted_score",
                    "updated_at",
                )
            }
        )
    )
)
