"""The dashboard's pre-aggregates, kept in step with the stored runs.

Every dashboard figure of a filter that does not name a batch (leaderboard,
trends, costs, suites, evaluators, overview) is a sum, count, minimum or maximum
over groups of runs, so it is read from these tables rather than from the runs:
at 100,000 runs a leaderboard reads a few hundred rows instead of a hundred
thousand runs joined to their telemetry. ``apply`` adds newly stored runs in the
transaction that stores them, folding the runs of one write group into one
upsert per key; ``rebuild`` recomputes everything from the raw tables.
Medians cannot be summed, so ``dash_durations`` keeps every duration in order
within its agent/model instead (read by ``analytics.rollup_reads``).

Tables and keys are described in ``zebench.store.tables`` (section "dashboard
pre-aggregates").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.service.prepared import Prepared
from zebench.service.rollups import (
    NO_MODEL,
    EvaluationFacts,
    RunFacts,
    fold_measures,
    shard_for,
    upsert_adding,
)
from zebench.service.timeutil import DAY_MS
from zebench.store.tables import (
    dash_cell_days,
    dash_cells,
    dash_durations,
    dash_evaluator_cell_days,
    dash_evaluator_pair_days,
    dash_pair_days,
    evaluations,
    runs,
    telemetry,
)

GROUP_SUMS = (
    "runs",
    "scored",
    "score_sum",
    "score_sq_sum",
    "cost_sum",
    "cost_runs",
    "tokens_in",
    "tokens_out",
    "duration_sum",
    "duration_runs",
)
GROUP_MINIMA = ("score_min", "first_started")
GROUP_MAXIMA = ("score_max", "last_started")
EVALUATION_SUMS = ("n", "ratio_n", "ratio_sum", "perfect_n", "score_sum")
EVALUATION_MINIMA = ("ratio_min",)
EVALUATION_MAXIMA = ("ratio_max", "last_at")


@dataclass(frozen=True)
class Rollup:
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

    def covers(self, needed: set[str]) -> bool:
        return needed <= self.dims


CELLS = Rollup(dash_cells)
PAIR_DAYS = Rollup(dash_pair_days)
CELL_DAYS = Rollup(dash_cell_days)
EVALUATOR_PAIR_DAYS = Rollup(dash_evaluator_pair_days)
EVALUATOR_CELL_DAYS = Rollup(dash_evaluator_cell_days)
RUN_ROLLUPS = (CELLS, PAIR_DAYS, CELL_DAYS)
"""Smallest first: a read takes the first that has every attribute it needs."""
EVALUATION_ROLLUPS = (EVALUATOR_PAIR_DAYS, EVALUATOR_CELL_DAYS)


def choose(rollups: Sequence[Rollup], needed: set[str]) -> Rollup | None:
    return next((r for r in rollups if r.covers(needed)), None)


# --- one run's contribution ------------------------------------------------------


def _run_key(run: RunFacts) -> dict[str, Any]:
    return {
        "suite": run.suite,
        "scenario": run.scenario,
        "tier": run.tier,
        "agent": run.agent,
        "model": run.model if run.model is not None else NO_MODEL,
        "status": run.status,
        "successful": run.is_successful,
        "day": run.started_at // DAY_MS,
    }


def _group_measures(run: RunFacts) -> dict[str, Any]:
    score = run.weighted_score if run.status == "completed" else None
    return {
        "runs": 1,
        "scored": int(score is not None),
        "score_sum": score or 0.0,
        "score_sq_sum": score * score if score is not None else 0.0,
        "score_min": score,
        "score_max": score,
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
        "last_at": ev.created_at,
    }


_FOLD_GROUP = partial(fold_measures, sums=GROUP_SUMS, minima=GROUP_MINIMA, maxima=GROUP_MAXIMA)
_FOLD_EVALUATION = partial(
    fold_measures, sums=EVALUATION_SUMS, minima=EVALUATION_MINIMA, maxima=EVALUATION_MAXIMA
)


def apply(conn: Connection, stored: Sequence[tuple[RunFacts, Sequence[EvaluationFacts]]]) -> None:
    """Add newly stored runs (with their evaluations) to every dashboard pre-aggregate.

    Rows are upserted in key order, so concurrent PostgreSQL writers cannot deadlock.
    """
    folded: dict[Rollup, dict[tuple[Any, ...], dict[str, Any]]] = {
        r: {} for r in (*RUN_ROLLUPS, *EVALUATION_ROLLUPS)
    }
    durations: list[dict[str, Any]] = []
    for run, evals in stored:
        key = _run_key(run)
        key["shard"] = shard_for(conn, run.run_id)
        measures = _group_measures(run)
        for rollup in RUN_ROLLUPS:
            _add(folded[rollup], rollup, key, measures, _FOLD_GROUP)
        for ev in evals:
            ev_key = {**key, "evaluator_name": ev.evaluator_name}
            ev_measures = _evaluation_measures(ev)
            for rollup in EVALUATION_ROLLUPS:
                _add(folded[rollup], rollup, ev_key, ev_measures, _FOLD_EVALUATION)
        if run.duration_ms is not None:
            durations.append({**key, "duration_ms": run.duration_ms, "run_id": run.run_id})
    statements = _statements(conn.dialect.name)
    for rollup, rows in folded.items():
        statements[rollup.table.name].insert_rows(conn, [rows[k] for k in sorted(rows)])
    _INSERT_DURATION.insert_rows(conn, durations)


def _add(
    into: dict[tuple[Any, ...], dict[str, Any]],
    rollup: Rollup,
    key: dict[str, Any],
    measures: dict[str, Any],
    fold: Callable[[dict[str, Any], dict[str, Any]], None],
) -> None:
    names = rollup.key_names
    k = tuple([key[name] for name in names])
    acc = into.get(k)
    if acc is None:
        row = dict(zip(names, k, strict=True))
        row.update(measures)
        into[k] = row
    else:
        fold(acc, measures)


_STATEMENTS: dict[str, dict[str, Prepared]] = {}


def _statements(dialect: str) -> dict[str, Prepared]:
    built = _STATEMENTS.get(dialect)
    if built is None:
        built = {}
        for rollup in (*RUN_ROLLUPS, *EVALUATION_ROLLUPS):
            sums, minima, maxima = (
                (EVALUATION_SUMS, EVALUATION_MINIMA, EVALUATION_MAXIMA)
                if rollup.evaluations
                else (GROUP_SUMS, GROUP_MINIMA, GROUP_MAXIMA)
            )
            statement = upsert_adding(
                dialect,
                rollup.table,
                (*sums, *minima, *maxima),
                minima=minima,
                maxima=maxima,
            )
            built[rollup.table.name] = Prepared(statement, [c.name for c in rollup.table.c])
        _STATEMENTS[dialect] = built
    return built


_INSERT_DURATION = Prepared(dash_durations.insert(), [c.name for c in dash_durations.c])


# --- full recomputation -----------------------------------------------------------


def _run_columns() -> dict[str, ColumnElement[Any]]:
    """The key attributes as expressions over ``runs``."""
    return {
        "suite": runs.c.suite,
        "scenario": runs.c.scenario,
        "tier": runs.c.tier,
        "agent": runs.c.agent,
        "model": sa.func.coalesce(runs.c.model, NO_MODEL),
        "status": runs.c.status,
        "successful": runs.c.is_successful,
        "day": runs.c.started_at // DAY_MS,
        "evaluator_name": evaluations.c.evaluator_name,
        "shard": sa.literal(0),
    }


def _group_measure_columns() -> dict[str, ColumnElement[Any]]:
    score = sa.case((runs.c.status == "completed", runs.c.weighted_score))
    t = telemetry.c
    return {
        "runs": sa.func.count(),
        "scored": sa.func.count(score),
        "score_sum": sa.func.coalesce(sa.func.sum(score), 0.0),
        "score_sq_sum": sa.func.coalesce(sa.func.sum(score * score), 0.0),
        "score_min": sa.func.min(score),
        "score_max": sa.func.max(score),
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
        "last_at": sa.func.max(e.created_at),
    }


def rebuild(conn: Connection) -> None:
    """Recompute every dashboard pre-aggregate from the runs as stored now."""
    keys = _run_columns()
    for rollup in (*RUN_ROLLUPS, *EVALUATION_ROLLUPS):
        conn.execute(rollup.table.delete())
        names = rollup.key_names
        group = [keys[n] for n in names if n != "shard"]  # rebuilt rows use shard 0
        if rollup.evaluations:
            measures = _evaluation_measure_columns()
            source: Any = evaluations.join(runs, runs.c.run_id == evaluations.c.run_id)
        else:
            measures = _group_measure_columns()
            source = runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id)
        query = (
            sa.select(
                *(keys[n].label(n) for n in names), *(m.label(n) for n, m in measures.items())
            )
            .select_from(source)
            .group_by(*group)
        )
        conn.execute(rollup.table.insert().from_select([*names, *measures], query))
    conn.execute(dash_durations.delete())
    duration_keys = [n for n in (c.name for c in dash_durations.c) if n in keys]
    conn.execute(
        dash_durations.insert().from_select(
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
