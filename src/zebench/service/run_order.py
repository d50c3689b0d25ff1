"""How run lists are ordered and cut into pages (``runs.list_runs``, ``run_stream``).

One order, newest first (``started_at``, then ``id``, descending, the order every
runs index ends with), pages by keyset cursor: stable while runs are added, and as
fast on page 1000 as on page 1. The pages also sort by other columns and page by
offset; a page's ids are then found first, from indexed columns only, and only
those rows are read whole.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Join

from zebench.bounds import INT64_MAX
from zebench.model.errors import Invalid
from zebench.service.filters import RunFilter
from zebench.store.tables import runs, telemetry

SORTABLE: dict[str, ColumnElement[Any]] = {
    "startedAt": runs.c.started_at,
    "suite": runs.c.suite,
    "scenario": runs.c.scenario,
    "tier": runs.c.tier,
    "agent": runs.c.agent,
    "model": runs.c.model,
    "status": runs.c.status,
    "weightedScore": runs.c.weighted_score,
    "costUsd": telemetry.c.cost_usd,
    "durationMs": telemetry.c.duration_ms,
    "tokensIn": telemetry.c.tokens_in,
    "batchId": runs.c.batch_id,
}
"""What a run list sorts by, named as the pages' ``sort`` parameter names it."""

_TELEMETRY_SORTS = frozenset({"costUsd", "durationMs", "tokensIn"})

WALK_TELEMETRY_FROM = 2000
"""Matching runs above which a telemetry sort walks the telemetry column's index in
order (stopping after a page) instead of sorting every matching run. PostgreSQL's
planner takes that path by itself for this query (ORDER BY the column, LIMIT a
page); SQLite's has to be held to it (``_OuterFirstJoin``)."""

_NEWEST = (runs.c.started_at.desc(), runs.c.id.desc())


@dataclass(frozen=True)
class RunOrder:
    """A sort key of ``SORTABLE`` and its direction; ties go newest first."""

    sort: str = "startedAt"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.sort not in SORTABLE:
            raise Invalid(
                f"sort must be one of {', '.join(SORTABLE)}", {"field": "sort", "value": self.sort}
            )

    @property
    def newest_first(self) -> bool:
        """The keyset order, the only one a cursor pages."""
        return self.sort == "startedAt" and self.descending

    @property
    def by_telemetry(self) -> bool:
        return self.sort in _TELEMETRY_SORTS

    def clauses(self) -> list[ColumnElement[Any]]:
        if self.sort == "startedAt":
            # Matches the (started_at, id) index: the newest page needs no sort at all.
            if self.descending:
                return list(_NEWEST)
            return [runs.c.started_at.asc(), runs.c.id.asc()]
        column = SORTABLE[self.sort]
        primary = column.desc().nulls_last() if self.descending else column.asc().nulls_last()
        return [primary, *_NEWEST]

    def source(self) -> Any:
        """What the order reads from: ``runs``, with its telemetry for a telemetry sort."""
        if self.by_telemetry:
            return runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id)
        return runs


NEWEST_FIRST = RunOrder()


# --- cursors ---------------------------------------------------------------------


def encode_cursor(started_at: int, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{started_at}:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        started, row_id = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        decoded = int(started), int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        decoded = None
    if decoded is None or not all(abs(part) <= INT64_MAX for part in decoded):
        raise Invalid("cursor is not one this server issued", {"field": "cursor", "value": cursor})
    return decoded


def after(started: int, row_id: int) -> ColumnElement[bool]:
    """Runs past the key (``started_at``, ``id``) in the newest-first order."""
    return (runs.c.started_at < started) | ((runs.c.started_at == started) & (runs.c.id < row_id))


# --- one page's ids --------------------------------------------------------------


def page_ids(
    filters: RunFilter, order: RunOrder, *, cursor: str | None, offset: int, limit: int
) -> sa.Subquery:
    """The ids of one page, read from indexes alone (skipping ``offset`` entries costs
    no row reads); the cursor wins over the offset."""
    query = sa.select(runs.c.id).select_from(order.source()).where(*filters.clauses())
    if cursor is not None:
        if not order.newest_first:
            raise Invalid(
                "a cursor pages only the newest-first order", {"field": "cursor", "value": cursor}
            )
        query = query.where(after(*decode_cursor(cursor)))
    elif offset:
        query = query.offset(offset)
    return query.order_by(*order.clauses()).limit(limit).subquery()


class _OuterFirstJoin(Join):
    """An inner join that SQLite runs with the left table as the outer loop.

    Its planner otherwise drives a filtered telemetry sort from the runs filter's
    index and sorts every match (100+ ms at 100k runs)."""

    inherit_cache = True


@compiles(_OuterFirstJoin, "sqlite")
def _outer_first_join(element: _OuterFirstJoin, compiler: Any, **kw: Any) -> str:
    # SQLite never reorders the tables of a CROSS JOIN; with ON it is an inner join.
    return str(compiler.visit_join(element, **kw)).replace(" JOIN ", " CROSS JOIN ", 1)


def walked_page_ids(
    conn: Connection, filters: RunFilter, order: RunOrder, *, offset: int, limit: int
) -> list[int]:
    """The ids of one page of many runs sorted by a telemetry column, in ``order``:
    runs with a value, walked in the column's index order, then the runs without one
    (no telemetry, or no value) newest first."""
    column = SORTABLE[order.sort]
    ids = list(
        conn.execute(
            sa.select(runs.c.id)
            .select_from(_OuterFirstJoin(telemetry, runs, telemetry.c.run_id == runs.c.run_id))
            .where(column.is_not(None), *filters.clauses())
            .order_by(column.desc() if order.descending else column.asc(), *_NEWEST)
            .offset(offset)
            .limit(limit)
        ).scalars()
    )
    if len(ids) == limit:
        return ids
    if ids:
        with_value = offset + len(ids)
    else:
        with_value = conn.execute(
            sa.select(sa.func.count())
            .select_from(telemetry.join(runs, telemetry.c.run_id == runs.c.run_id))
            .where(column.is_not(None), *filters.clauses())
        ).scalar_one()
    without = conn.execute(
        sa.select(runs.c.id)
        .select_from(runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id))
        .where(column.is_(None), *filters.clauses())
        .order_by(*_NEWEST)
        .offset(max(0, offset - with_value))
        .limit(limit - len(ids))
    ).scalars()
    return ids + list(without)
