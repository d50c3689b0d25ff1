"""Where run statistics are read from, for the pages and the API alike: the
pre-aggregates, or the runs.

Every figure comes from the smallest pre-aggregate (``service.aggregates``)
keyed by every attribute the query groups or filters by, so its cost does not
grow with the number of runs in a group. A window from an exact instant (the
API's "last N days") adds the hourly pre-aggregate's whole hours to the runs of
the one partial hour. A filter no pre-aggregate can answer (a batch by day, a
tag) is read from the runs. Every way gives the same figures; tests hold them to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.model.time import DAY_MS
from zebench.service.aggregates import (
    HOUR_MS,
    HOURS,
    RUN_FILTERABLE,
    Aggregate,
    choose,
)
from zebench.service.analytics.groups import (
    CELL_DIMS,
    GroupStats,
    group_stats,
    medians,
    merge,
    roll_up,
)
from zebench.service.filters import RunFilter
from zebench.store.aggregate_tables import NO_MODEL_KEY, agg_durations
from zebench.store.tables import runs, telemetry

CELL = ("suite", "scenario", "tier", "agent", "model")
SUCCESSFUL = "successful"
"""The filter status of the completed runs whose outcome is successful."""
OUTCOME = ("status", "successful")
"""A run's stored status and whether it was successful: group by these to tell the
completed, successful runs (key ``("completed", True)``) from the others."""
Pair = tuple[str, str | None]


def covering(
    candidates: Sequence[Aggregate], flt: RunFilter, names: Sequence[str]
) -> Aggregate | None:
    """The first of ``candidates`` keyed by every attribute ``flt`` filters on and
    ``names`` groups by ("bucket": the start day); None when none is, or when the
    filter tests what no pre-aggregate holds."""
    dims = flt.aggregate_dims()
    needed = {"day" if n == "bucket" else n for n in names}
    return None if dims is None else choose(candidates, dims | needed)


def _key_value(name: str, value: Any) -> Any:
    if name == "model" and value == NO_MODEL_KEY:
        return None
    if name == "successful":
        return bool(value)
    return int(value) if name == "bucket" else value  # a number of the engine's choosing


def _groups(names: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[GroupStats]:
    width = len(names)
    return [
        GroupStats.from_row(
            tuple(_key_value(n, v) for n, v in zip(names, row[:width], strict=True)), row[width:]
        )
        for row in rows
    ]


def stats(
    conn: Connection, names: Sequence[str], flt: RunFilter, *, bucket_days: int = 1
) -> list[GroupStats]:
    """Run statistics per distinct value of the attributes ``names`` (of ``CELL``,
    ``OUTCOME``, or "bucket": the run's start day // ``bucket_days``), over the runs
    ``flt`` selects."""
    windowed = _hour_window(conn, names, flt)
    if windowed is not None:
        return windowed
    rollup = covering(RUN_FILTERABLE, flt, names)
    if rollup is None:
        return _raw_stats(conn, names, flt, bucket_days)
    t = rollup.table.c
    keys = [(t.day // bucket_days).label("bucket") if n == "bucket" else t[n] for n in names]
    return _summed(conn, rollup.table, names, keys, flt.aggregate_clauses(rollup.table))


def _summed(
    conn: Connection,
    table: sa.Table,
    names: Sequence[str],
    keys: Sequence[ColumnElement[Any]],
    where: Sequence[ColumnElement[bool]],
) -> list[GroupStats]:
    """``GroupStats`` per ``keys`` from the rows of the pre-aggregate ``table`` ``where``
    selects."""
    query = sa.select(*keys, *_measures(table)).where(*where)
    if keys:
        query = query.group_by(*keys)
    return _groups(names, conn.execute(query))


@cache
def _measures(table: sa.Table) -> tuple[ColumnElement[Any], ...]:
    """A run pre-aggregate's sums in ``GroupStats.from_row``'s order, built once per
    table (building them is most of a small read's time)."""
    t = table.c
    done = t.status == "completed"

    def total(column: ColumnElement[Any], where: ColumnElement[bool] | None = None) -> Any:
        return sa.func.sum(column if where is None else sa.case((where, column), else_=0))

    return (
        total(t.runs),
        total(t.runs, done),
        total(t.runs, sa.and_(done, t.successful)),
        total(t.scored),
        total(t.score_sum),
        total(t.score_sq_sum),
        sa.func.min(t.score_min),
        sa.func.max(t.score_max),
        total(t.total_n),
        total(t.total_sum),
        sa.func.min(t.weighted_min),
        sa.func.max(t.weighted_max),
        total(t.cost_sum),
        total(t.cost_runs),
        total(t.tokens_in),
        total(t.tokens_out),
        total(t.duration_sum),
        total(t.duration_runs),
        sa.func.min(t.first_started),
        sa.func.max(t.last_started),
    )


def _hour_window(conn: Connection, names: Sequence[str], flt: RunFilter) -> list[GroupStats] | None:
    """Runs started from an exact instant on (``started_from``: the API's "last N days"),
    grouped by outcome at most: the whole hours from the hourly pre-aggregate, the one
    partial hour at the start of the window from the runs. None when ``flt`` or
    ``names`` need more than that pre-aggregate holds."""
    if flt.started_from is None or flt.started_before is not None:
        return None
    rest = replace(flt, started_from=None)
    dims = rest.aggregate_dims()
    if dims is None or not HOURS.covers(dims | set(names)):
        return None
    first_hour = flt.started_from // HOUR_MS + 1
    t = HOURS.table
    where = [*rest.aggregate_clauses(t), t.c.hour >= first_hour]
    whole = _summed(conn, t, names, [t.c[n] for n in names], where)
    partial = _raw_stats(conn, names, replace(flt, started_before=first_hour * HOUR_MS), 1)
    return list(roll_up([*whole, *partial], lambda key: key).values())


def _raw_stats(
    conn: Connection, names: Sequence[str], flt: RunFilter, bucket_days: int
) -> list[GroupStats]:
    columns: dict[str, ColumnElement[Any]] = dict(zip(CELL, CELL_DIMS, strict=True))
    columns["status"] = runs.c.status
    columns["successful"] = runs.c.is_successful
    columns["bucket"] = (runs.c.started_at // (bucket_days * DAY_MS)).label("bucket")
    groups = group_stats(conn, [columns[n] for n in names], flt)
    return [
        replace(g, key=tuple(_key_value(n, v) for n, v in zip(names, g.key, strict=True)))
        for g in groups
    ]


@dataclass(frozen=True)
class Totals:
    """A set of runs' statistics, and those of the completed, successful runs among them."""

    every: GroupStats
    successful: GroupStats


def totals(conn: Connection, flt: RunFilter) -> Totals:
    """The ``Totals`` of the runs ``flt`` selects (zeros when none)."""
    # Two ungrouped reads: grouping the pre-aggregate's rows by outcome costs a sort.
    among = flt.status in (None, "completed", SUCCESSFUL)
    won = stats(conn, (), replace(flt, status=SUCCESSFUL)) if among else []
    return Totals(every=merge(stats(conn, (), flt)), successful=merge(won))


def cells(conn: Connection, flt: RunFilter) -> list[GroupStats]:
    """Statistics per (suite, scenario, tier, agent, model): pages roll these up."""
    return stats(conn, CELL, flt)


def time_span(conn: Connection, flt: RunFilter) -> tuple[int | None, int | None]:
    """When the first and the last of the selected runs started (epoch ms)."""
    totals = stats(conn, (), flt)
    if not totals or not totals[0].runs:
        return None, None
    return totals[0].first_started, totals[0].last_started


def median_durations(
    conn: Connection, flt: RunFilter, counts: Mapping[Pair, int]
) -> dict[Pair, float]:
    """The exact median telemetry duration per agent/model over the selected runs.

    ``counts`` holds, per pair, how many selected runs have a duration (the pair's
    ``duration_runs``). Each median is then one walk along ``agg_durations`` in
    duration order, within the pair, to the middle one or two that match the
    filters: no sort, and at most the pair's runs read.
    """
    dims = flt.aggregate_dims()
    if dims is None or not dims <= {c.name for c in agg_durations.c}:
        found = medians(conn, [runs.c.agent, runs.c.model], telemetry.c.duration_ms, flt)
        return {(k[0], k[1]): v for k, v in found.items()}
    d = agg_durations.c
    out: dict[Pair, float] = {}
    for (agent, model), n in counts.items():
        if n <= 0:
            continue
        query = (
            sa.select(d.duration_ms)
            .where(
                d.agent == agent,
                d.model == (NO_MODEL_KEY if model is None else model),
                *flt.aggregate_clauses(agg_durations),
            )
            .order_by(d.duration_ms)
            .limit(2 - n % 2)
            .offset((n - 1) // 2)
        )
        middle = [int(v) for v in conn.execute(query).scalars()]
        if middle:
            out[(agent, model)] = sum(middle) / len(middle)
    return out
