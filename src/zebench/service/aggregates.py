"""The pre-aggregates: one family of tables, kept in step with the stored runs.

Every statistic the API and the pages show is a sum, count, minimum or maximum
over groups of runs, so it is read from these tables rather than from the runs:
at 100,000 runs a leaderboard reads a few hundred rows instead of a hundred
thousand runs joined to their telemetry. Every run table holds the same measures
and every evaluation table the same evaluation measures; tables differ only in
their key (see ``zebench.store.tables``, section "pre-aggregates"). ``apply``
adds newly stored runs in the transaction that stores them, folding the runs of
one write into one upsert per key; ``rebuild`` recomputes everything from the raw
tables. Medians cannot be summed, so ``agg_durations`` keeps every duration in
order within its agent/model instead.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.model.time import DAY_MS, now_ms
from zebench.store.tables import (
    NO_MODEL_KEY,
    agg_batch_cells,
    agg_batch_evaluators,
    agg_batches,
    agg_cell_days,
    agg_cells,
    agg_durations,
    agg_evaluator_cell_days,
    agg_evaluator_hours,
    agg_evaluator_pair_days,
    agg_hours,
    agg_pair_days,
    batches,
    evaluations,
    runs,
    telemetry,
)

HOUR_MS = 3_600_000
PG_SHARDS = 8
"""Rows per hot key on PostgreSQL, so concurrent writers rarely wait on one row lock."""

RUN_SUMS = (
    "runs",
    "scored",
    "score_sum",
    "score_sq_sum",
    "total_n",
    "total_sum",
    "cost_sum",
    "cost_runs",
    "tokens_in",
    "tokens_out",
    "duration_sum",
    "duration_runs",
)
RUN_MINIMA = ("score_min", "weighted_min", "first_started")
RUN_MAXIMA = ("score_max", "weighted_max", "last_started")
EVALUATION_SUMS = ("n", "ratio_n", "ratio_sum", "perfect_n", "score_sum")
EVALUATION_MINIMA = ("ratio_min",)
EVALUATION_MAXIMA = ("ratio_max", "max_score_max", "last_at")


@dataclass(frozen=True)
class RunFacts:
    """What the pre-aggregates need to know about one stored run."""

    run_id: str
    batch_id: str | None
    suite: str
    scenario: str
    tier: str
    agent: str
    model: str | None
    status: str
    is_successful: bool
    started_at: int
    total_score: float | None
    weighted_score: float | None
    cost_usd: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class EvaluationFacts:
    evaluator_name: str
    score: float
    max_score: float
    created_at: int


@dataclass(frozen=True)
class Aggregate:
    """One pre-aggregate table; what it is keyed by follows from its primary key."""

    table: sa.Table

    @cached_property
    def key_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.primary_key.columns)

    @cached_property
    def dims(self) -> frozenset[str]:
        """The run attributes a row stands for (the shard only spreads writes)."""
        return frozenset(self.key_names) - {"shard"}

    @property
    def evaluations(self) -> bool:
        """True when rows count evaluations rather than runs."""
        return "evaluator_name" in self.dims

    @property
    def batched(self) -> bool:
        """True when rows are per batch (runs without a batch are not in it)."""
        return "batch_id" in self.dims

    def covers(self, needed: set[str]) -> bool:
        return needed <= self.dims


CELLS = Aggregate(agg_cells)
PAIR_DAYS = Aggregate(agg_pair_days)
CELL_DAYS = Aggregate(agg_cell_days)
HOURS = Aggregate(agg_hours)
BATCHES = Aggregate(agg_batches)
BATCH_CELLS = Aggregate(agg_batch_cells)
EVALUATOR_PAIR_DAYS = Aggregate(agg_evaluator_pair_days)
EVALUATOR_CELL_DAYS = Aggregate(agg_evaluator_cell_days)
EVALUATOR_HOURS = Aggregate(agg_evaluator_hours)
BATCH_EVALUATORS = Aggregate(agg_batch_evaluators)

RUN_FILTERABLE = (CELLS, PAIR_DAYS, CELL_DAYS, BATCH_CELLS)
"""Smallest first: a filtered read takes the first that has every attribute it needs
(a batch's tables only when it names a batch: the others cover anything else)."""
EVALUATION_FILTERABLE = (EVALUATOR_PAIR_DAYS, EVALUATOR_CELL_DAYS, BATCH_EVALUATORS)
ALL = (
    CELLS,
    PAIR_DAYS,
    CELL_DAYS,
    HOURS,
    BATCHES,
    BATCH_CELLS,
    EVALUATOR_PAIR_DAYS,
    EVALUATOR_CELL_DAYS,
    EVALUATOR_HOURS,
    BATCH_EVALUATORS,
)
"""Every table of the family, in the order writers touch them (no deadlocks)."""


def choose(candidates: Sequence[Aggregate], needed: set[str]) -> Aggregate | None:
    return next((a for a in candidates if a.covers(needed)), None)


def mean(total: float | None, n: int | Decimal | None) -> float | None:
    """``total / n``, or None for no values. Sums of counts come back as Decimal
    from PostgreSQL, hence the conversions."""
    return float(total) / float(n) if n and total is not None else None


def succeeded(table: sa.Table) -> ColumnElement[bool]:
    """Rows of completed, successful runs (the original's
    ``status = 'completed' AND is_successful = 1``)."""
    return sa.and_(table.c.status == "completed", table.c.successful)


def shard_for(conn: Connection, run_id: str) -> int:
    if conn.dialect.name != "postgresql":
        return 0  # one writer at a time: spreading rows would only slow reads
    return zlib.crc32(run_id.encode()) % PG_SHARDS


# --- one run's contribution ------------------------------------------------------


def _run_key(run: RunFacts, shard: int) -> dict[str, Any]:
    return {
        "batch_id": run.batch_id,
        "suite": run.suite,
        "scenario": run.scenario,
        "tier": run.tier,
        "agent": run.agent,
        "model": run.model if run.model is not None else NO_MODEL_KEY,
        "status": run.status,
        "successful": run.is_successful,
        "day": run.started_at // DAY_MS,
        "hour": run.started_at // HOUR_MS,
        "shard": shard,
    }


def _run_measures(run: RunFacts) -> dict[str, Any]:
    done = run.status == "completed"
    score = run.weighted_score if done else None
    total = run.total_score if done else None
    return {
        "runs": 1,
        "scored": int(score is not None),
        "score_sum": score or 0.0,
        "score_sq_sum": score * score if score is not None else 0.0,
        "score_min": score,
        "score_max": score,
        "total_n": int(total is not None),
        "total_sum": total or 0.0,
        "weighted_min": run.weighted_score,
        "weighted_max": run.weighted_score,
        "cost_sum": run.cost_usd or 0.0,
        "cost_runs": int(run.cost_usd is not None),
        "tokens_in": run.tokens_in or 0,
        "tokens_out": run.tokens_out or 0,
        "duration_sum": run.duration_ms or 0,
        "duration_runs": int(run.duration_ms is not None),
        "first_started": run.started_at,
        "last_started": run.started_at,
    }


def _evaluation_measures(ev: EvaluationFacts) -> dict[str, Any]:
    ratio = ev.score / ev.max_score if ev.max_score else None
    return {
        "n": 1,
        "ratio_n": int(ratio is not None),
        "ratio_sum": ratio or 0.0,
        "ratio_min": ratio,
        "ratio_max": ratio,
        "perfect_n": int(ev.score >= ev.max_score),
        "score_sum": ev.score,
        "max_score_max": ev.max_score,
        "last_at": ev.created_at,
    }


def fold_measures(
    acc: dict[str, Any],
    new: Mapping[str, Any],
    *,
    sums: Sequence[str],
    minima: Sequence[str] = (),
    maxima: Sequence[str] = (),
) -> None:
    """Add ``new``'s measures to ``acc`` as ``upsert_adding`` adds them to a stored row
    (None, no value, never wins a minimum or maximum)."""
    for name in sums:
        acc[name] += new[name]
    for name in minima:
        value = new[name]
        if value is not None and (acc[name] is None or value < acc[name]):
            acc[name] = value
    for name in maxima:
        value = new[name]
        if value is not None and (acc[name] is None or value > acc[name]):
            acc[name] = value


_FOLD_RUN = partial(fold_measures, sums=RUN_SUMS, minima=RUN_MINIMA, maxima=RUN_MAXIMA)
_FOLD_EVALUATION = partial(
    fold_measures, sums=EVALUATION_SUMS, minima=EVALUATION_MINIMA, maxima=EVALUATION_MAXIMA
)
_Folded = dict[tuple[Any, ...], dict[str, Any]]


def apply(
    conn: Connection, stored: Sequence[tuple[RunFacts, Sequence[EvaluationFacts]]]
) -> set[str]:
    """Add newly stored runs (with their evaluations) to every pre-aggregate; returns
    the batches they belong to (whose totals the caller then writes).

    Each row's increments are folded in Python first, so a row is upserted once per
    call rather than once per run. Rows are upserted in a fixed order (tables, then
    keys sorted), so concurrent PostgreSQL writers cannot deadlock.
    """
    folded: dict[Aggregate, _Folded] = {a: {} for a in ALL}
    run_aggregates = [a for a in ALL if not a.evaluations]
    evaluation_aggregates = [a for a in ALL if a.evaluations]
    durations: list[dict[str, Any]] = []
    touched: set[str] = set()
    for run, evals in stored:
        key = _run_key(run, shard_for(conn, run.run_id))
        in_batch = run.batch_id is not None
        if in_batch:
            touched.add(run.batch_id)  # type: ignore[arg-type]
        measures = _run_measures(run)
        for agg in run_aggregates:
            if in_batch or not agg.batched:
                _add(folded[agg], agg, key, measures, _FOLD_RUN)
        for ev in evals:
            ev_key = {**key, "evaluator_name": ev.evaluator_name}
            ev_key["hour"] = ev.created_at // HOUR_MS  # when the evaluation was recorded
            ev_measures = _evaluation_measures(ev)
            for agg in evaluation_aggregates:
                if in_batch or not agg.batched:
                    _add(folded[agg], agg, ev_key, ev_measures, _FOLD_EVALUATION)
        if run.duration_ms is not None:
            durations.append({**key, "duration_ms": run.duration_ms, "run_id": run.run_id})
    statements = _statements(conn.dialect.name)
    for agg, rows in folded.items():
        if rows:
            conn.execute(statements[agg.table.name], [rows[k] for k in sorted(rows)])
    if durations:
        conn.execute(agg_durations.insert(), durations)
    return touched


def _add(
    into: _Folded,
    agg: Aggregate,
    key: dict[str, Any],
    measures: dict[str, Any],
    fold: Callable[[dict[str, Any], dict[str, Any]], None],
) -> None:
    names = agg.key_names
    k = tuple([key[name] for name in names])
    acc = into.get(k)
    if acc is None:
        row = dict(zip(names, k, strict=True))
        row.update(measures)
        into[k] = row
    else:
        fold(acc, measures)


def upsert_adding(
    dialect: str,
    table: sa.Table,
    measures: Sequence[str],
    *,
    minima: Sequence[str] = (),
    maxima: Sequence[str] = (),
) -> Any:
    """INSERT of a pre-aggregate row that, when the key exists, adds its measures to
    the stored ones (keeps the smaller of ``minima``, the larger of ``maxima``)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    new = insert.excluded
    updates: dict[str, ColumnElement[Any]] = {}
    for name in measures:
        old = table.c[name]
        if name in minima:
            updates[name] = sa.case((old.is_(None) | (new[name] < old), new[name]), else_=old)
        elif name in maxima:
            updates[name] = sa.case((old.is_(None) | (new[name] > old), new[name]), else_=old)
        else:
            updates[name] = old + new[name]
    keys = [c.name for c in table.primary_key.columns]
    return insert.on_conflict_do_update(index_elements=keys, set_=updates)


_STATEMENTS: dict[str, dict[str, Any]] = {}


def _statements(dialect: str) -> dict[str, Any]:
    """Each table's adding upsert, built once per dialect (SQLAlchemy then compiles it
    once, into the engine's compiled cache)."""
    built = _STATEMENTS.get(dialect)
    if built is None:
        built = {}
        for agg in ALL:
            sums, minima, maxima = (
                (EVALUATION_SUMS, EVALUATION_MINIMA, EVALUATION_MAXIMA)
                if agg.evaluations
                else (RUN_SUMS, RUN_MINIMA, RUN_MAXIMA)
            )
            built[agg.table.name] = upsert_adding(
                dialect, agg.table, (*sums, *minima, *maxima), minima=minima, maxima=maxima
            )
        _STATEMENTS[dialect] = built
    return built


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


def write_batch_totals(
    conn: Connection, totals: Mapping[str, Mapping[str, Any]], *, now: int
) -> None:
    """Set the totals columns of each batch in ``totals`` (by batch id) at time ``now``."""
    if totals:
        conn.execute(
            _UPDATE_BATCH_TOTALS,
            [{**t, "updated_at": now, "key_batch_id": batch_id} for batch_id, t in totals.items()],
        )


_UPDATE_BATCH_TOTALS = (
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


# --- full recomputation -----------------------------------------------------------


def _key_columns(*, evaluation: bool) -> dict[str, ColumnElement[Any]]:
    """The key attributes as expressions over ``runs`` (joined to ``evaluations``)."""
    started = evaluations.c.created_at if evaluation else runs.c.started_at
    return {
        "batch_id": runs.c.batch_id,
        "suite": runs.c.suite,
        "scenario": runs.c.scenario,
        "tier": runs.c.tier,
        "agent": runs.c.agent,
        "model": sa.func.coalesce(runs.c.model, NO_MODEL_KEY),
        "status": runs.c.status,
        "successful": runs.c.is_successful,
        "day": runs.c.started_at // DAY_MS,
        "hour": started // HOUR_MS,
        "evaluator_name": evaluations.c.evaluator_name,
        "shard": sa.literal(0),
    }


def _run_measure_columns() -> dict[str, ColumnElement[Any]]:
    done = runs.c.status == "completed"
    score = sa.case((done, runs.c.weighted_score))
    total = sa.case((done, runs.c.total_score))
    t = telemetry.c
    return {
        "runs": sa.func.count(),
        "scored": sa.func.count(score),
        "score_sum": sa.func.coalesce(sa.func.sum(score), 0.0),
        "score_sq_sum": sa.func.coalesce(sa.func.sum(score * score), 0.0),
        "score_min": sa.func.min(score),
        "score_max": sa.func.max(score),
        "total_n": sa.func.count(total),
        "total_sum": sa.func.coalesce(sa.func.sum(total), 0.0),
        "weighted_min": sa.func.min(runs.c.weighted_score),
        "weighted_max": sa.func.max(runs.c.weighted_score),
        "cost_sum": sa.func.coalesce(sa.func.sum(t.cost_usd), 0.0),
        "cost_runs": sa.func.count(t.cost_usd),
        "tokens_in": sa.func.coalesce(sa.func.sum(t.tokens_in), 0),
        "tokens_out": sa.func.coalesce(sa.func.sum(t.tokens_out), 0),
        "duration_sum": sa.func.coalesce(sa.func.sum(t.duration_ms), 0),
        "duration_runs": sa.func.count(t.duration_ms),
        "first_started": sa.func.min(runs.c.started_at),
        "last_started": sa.func.max(runs.c.started_at),
    }


def _evaluation_measure_columns() -> dict[str, ColumnElement[Any]]:
    e = evaluations.c
    ratio = e.score / sa.func.nullif(e.max_score, 0)
    return {
        "n": sa.func.count(),
        "ratio_n": sa.func.count(ratio),
        "ratio_sum": sa.func.coalesce(sa.func.sum(ratio), 0.0),
        "ratio_min": sa.func.min(ratio),
        "ratio_max": sa.func.max(ratio),
        "perfect_n": sa.func.count(sa.case((e.score >= e.max_score, 1))),
        "score_sum": sa.func.sum(e.score),
        "max_score_max": sa.func.max(e.max_score),
        "last_at": sa.func.max(e.created_at),
    }


def rebuild(conn: Connection) -> None:
    """Recompute every pre-aggregate from the runs as stored now."""
    for agg in ALL:
        conn.execute(agg.table.delete())
        keys = _key_columns(evaluation=agg.evaluations)
        names = agg.key_names
        group = [keys[n] for n in names if n != "shard"]  # rebuilt rows use shard 0
        if agg.evaluations:
            measures = _evaluation_measure_columns()
            source: Any = evaluations.join(runs, runs.c.run_id == evaluations.c.run_id)
        else:
            measures = _run_measure_columns()
            source = runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id)
        query = (
            sa.select(
                *(keys[n].label(n) for n in names), *(m.label(n) for n, m in measures.items())
            )
            .select_from(source)
            .group_by(*group)
        )
        if agg.batched:
            query = query.where(runs.c.batch_id.is_not(None))
        conn.execute(agg.table.insert().from_select([*names, *measures], query))
    conn.execute(agg_durations.delete())
    keys = _key_columns(evaluation=False)
    duration_keys = [n for n in (c.name for c in agg_durations.c) if n in keys]
    conn.execute(
        agg_durations.insert().from_select(
            [*duration_keys, "duration_ms", "run_id"],
            sa.select(
                *(keys[n].label(n) for n in duration_keys),
                telemetry.c.duration_ms,
                runs.c.run_id,
            )
            .select_from(runs.join(telemetry, telemetry.c.run_id == runs.c.run_id))
            .where(telemetry.c.duration_ms.is_not(None)),
        )
    )


def rebuild_all(conn: Connection) -> int:
    """``rebuild``, then every batch's totals; returns the number of batches."""
    if conn.dialect.name == "postgresql":
        # Runs stored meanwhile by other processes wait until the rebuild commits, so
        # each is counted exactly once: in the rebuild's snapshot or after it.
        conn.execute(sa.text("LOCK TABLE runs IN SHARE MODE"))
    rebuild(conn)
    totals = all_batch_totals(conn)
    write_batch_totals(conn, totals, now=now_ms())
    return len(totals)
