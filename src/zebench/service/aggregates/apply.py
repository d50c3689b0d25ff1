"""What newly stored runs add to every pre-aggregate, in the transaction that stores
them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.model.time import DAY_MS
from zebench.service.aggregates.family import (
    ALL,
    EVALUATION_MAXIMA,
    EVALUATION_MINIMA,
    EVALUATION_SUMS,
    HOUR_MS,
    RUN_MAXIMA,
    RUN_MINIMA,
    RUN_SUMS,
    Aggregate,
    EvaluationFacts,
    RunFacts,
    shard_for,
)
from zebench.store.aggregate_tables import NO_MODEL_KEY, agg_durations
from zebench.store.compiled import CompiledWrite

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
            durations.append(
                {name: key[name] for name in _DURATION_KEY}
                | {"duration_ms": run.duration_ms, "run_id": run.run_id}
            )
    for agg, rows in folded.items():
        _UPSERTS[agg].execute(conn, [rows[k] for k in sorted(rows)])
    _INSERT_DURATIONS.execute(conn, durations)
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


def _adding_upsert(agg: Aggregate) -> CompiledWrite:
    sums, minima, maxima = (
        (EVALUATION_SUMS, EVALUATION_MINIMA, EVALUATION_MAXIMA)
        if agg.evaluations
        else (RUN_SUMS, RUN_MINIMA, RUN_MAXIMA)
    )
    return CompiledWrite(
        lambda dialect: upsert_adding(
            dialect, agg.table, (*sums, *minima, *maxima), minima=minima, maxima=maxima
        )
    )


# Compiled once per dialect, run on the driver (see zebench.store.compiled).
_UPSERTS = {agg: _adding_upsert(agg) for agg in ALL}
_INSERT_DURATIONS = CompiledWrite(lambda _dialect: agg_durations.insert())
_DURATION_KEY = tuple(
    c.name for c in agg_durations.columns if c.name not in ("duration_ms", "run_id")
)
