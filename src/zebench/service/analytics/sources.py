"""Where a page's statistics are read from: the pre-aggregates, or the runs.

Every figure comes from the smallest pre-aggregate (``service.aggregates``)
keyed by every attribute the query groups or filters by, so its cost does not
grow with the number of runs in a group; the API's statistics read the same
tables. A filter no pre-aggregate can answer (a batch by day, an exact instant)
is read from the runs. Both ways give the same figures; tests hold them to it.
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
    EVALUATION_FILTERABLE,
    EVALUATOR_HOURS,
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
    opt_float,
    roll_up,
)
from zebench.service.filters import RunFilter
from zebench.store.aggregate_tables import NO_MODEL_KEY, agg_durations
from zebench.store.tables import evaluations, runs, telemetry

CELL = ("suite", "scenario", "tier", "agent", "model")
SUCCESSFUL = "successful"
"""The filter status of the completed runs whose outcome is successful."""
OUTCOME = ("status", "successful")
"""A run's stored status and whether it was successful: group by these to tell the
completed, successful runs (key ``("completed", True)``) from the others."""
Pair = tuple[str, str | None]


def _rollup(
    candidates: Sequence[Aggregate], flt: RunFilter, names: Sequence[str]
) -> Aggregate | None:
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
    rollup = _rollup(RUN_FILTERABLE, flt, names)
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


# --- evaluations -------------------------------------------------------------------


def evaluator_rows(conn: Connection, flt: RunFilter) -> list[dict[str, Any]]:
    """Per evaluator: how often it ran and how it scored (score / max score, 0..1)."""
    rollup = _rollup(EVALUATION_FILTERABLE, flt, ["evaluator_name"])
    if rollup is None:
        return _raw_evaluator_rows(conn, flt)
    t = rollup.table.c
    query = (
        sa.select(
            t.evaluator_name,
            sa.func.sum(t.n),
            sa.func.sum(t.ratio_sum) / sa.func.nullif(sa.func.sum(t.ratio_n), 0),
            sa.func.min(t.ratio_min),
            sa.func.max(t.ratio_max),
            sa.func.sum(t.perfect_n),
            sa.func.sum(t.score_sum),
            sa.func.max(t.last_at),
        )
        .where(*flt.aggregate_clauses(rollup.table))
        .group_by(t.evaluator_name)
    )
    return [
        _evaluator_row(name, n, mean_ratio, low, high, perfect, float(score_sum) / int(n), last)
        for name, n, mean_ratio, low, high, perfect, score_sum, last in conn.execute(query)
    ]


def _raw_evaluator_rows(conn: Connection, flt: RunFilter) -> list[dict[str, Any]]:
    e = evaluations.c
    ratio = e.score / sa.func.nullif(e.max_score, 0)
    query = (
        sa.select(
            e.evaluator_name,
            sa.func.count(),
            sa.func.avg(ratio),
            sa.func.min(ratio),
            sa.func.max(ratio),
            sa.func.count().filter(e.score >= e.max_score),
            sa.func.avg(e.score),
            sa.func.max(e.created_at),
        )
        .select_from(evaluations.join(runs, runs.c.run_id == e.run_id))
        .where(*flt.clauses())
        .group_by(e.evaluator_name)
    )
    return [_evaluator_row(*row) for row in conn.execute(query)]


def _evaluator_row(
    name: str, n: Any, mean_ratio: Any, low: Any, high: Any, perfect: Any, mean: Any, last: Any
) -> dict[str, Any]:
    return {
        "evaluator": name,
        "evaluations": int(n),
        "meanRatio": opt_float(mean_ratio),
        "minRatio": opt_float(low),
        "maxRatio": opt_float(high),
        "perfectShare": int(perfect) / int(n) if n else None,
        "meanScore": opt_float(mean),
        "lastAt": None if last is None else int(last),
    }


def evaluator_buckets(
    conn: Connection, flt: RunFilter, bucket_days: int
) -> list[tuple[str, int, float | None, int]]:
    """(evaluator, bucket, mean score / max score, evaluations) per evaluator and
    bucket of the run's start day (day // ``bucket_days``), in that order."""
    rollup = _rollup(EVALUATION_FILTERABLE, flt, ["evaluator_name", "day"])
    if rollup is None:
        e = evaluations.c
        bucket = (runs.c.started_at // (bucket_days * DAY_MS)).label("bucket")
        query = (
            sa.select(
                e.evaluator_name,
                bucket,
                sa.func.avg(e.score / sa.func.nullif(e.max_score, 0)),
                sa.func.count(),
            )
            .select_from(evaluations.join(runs, runs.c.run_id == e.run_id))
            .where(*flt.clauses())
            .group_by(e.evaluator_name, bucket)
        )
    else:
        t = rollup.table.c
        bucket = (t.day // bucket_days).label("bucket")
        query = (
            sa.select(
                t.evaluator_name,
                bucket,
                sa.func.sum(t.ratio_sum) / sa.func.nullif(sa.func.sum(t.ratio_n), 0),
                sa.func.sum(t.n),
            )
            .where(*flt.aggregate_clauses(rollup.table))
            .group_by(t.evaluator_name, bucket)
        )
    rows = [(name, int(b), opt_float(mean), int(n)) for name, b, mean, n in conn.execute(query)]
    return sorted(rows, key=lambda r: (r[0], r[1]))


@dataclass(frozen=True)
class EvaluatorDay:
    """An evaluator's results recorded on one UTC day."""

    day: int
    """Epoch ms // ``DAY_MS``."""
    evaluations: int
    score_sum: float

    @property
    def mean_score(self) -> float:
        return self.score_sum / self.evaluations


def evaluator_days(conn: Connection, name: str, recorded_from: int) -> list[EvaluatorDay]:
    """Per UTC day, the results of evaluator ``name`` recorded from the instant
    ``recorded_from`` (epoch ms) on, oldest day first: whole hours from the hourly
    pre-aggregate, the one partial hour at the start from the evaluations."""
    first_hour = recorded_from // HOUR_MS + 1
    e = EVALUATOR_HOURS.table.c
    day = e.hour // 24
    totals: dict[int, tuple[int, float]] = {
        int(bucket): (int(n), float(total))
        for bucket, n, total in conn.execute(
            sa.select(day, sa.func.sum(e.n), sa.func.sum(e.score_sum))
            .where(e.evaluator_name == name, e.hour >= first_hour)
            .group_by(day)
        )
    }
    n, total = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(evaluations.c.score)).where(
            evaluations.c.evaluator_name == name,
            evaluations.c.created_at >= recorded_from,
            evaluations.c.created_at < first_hour * HOUR_MS,
        )
    ).one()
    if n:
        before = totals.get(recorded_from // DAY_MS, (0, 0.0))
        totals[recorded_from // DAY_MS] = (before[0] + int(n), before[1] + float(total))
    return [EvaluatorDay(d, n, total) for d, (n, total) in sorted(totals.items())]
