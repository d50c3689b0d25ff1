"""Every pre-aggregate recomputed from the raw tables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.model.time import DAY_MS, now_ms
from zebench.service.aggregates.family import ALL, HOUR_MS
from zebench.service.aggregates.totals import all_batch_totals, write_batch_totals
from zebench.service.recompute import Recompute, recompute
from zebench.store.aggregate_tables import NO_MODEL_KEY, agg_durations
from zebench.store.tables import evaluations, runs, telemetry

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


def recomputes() -> list[Recompute]:
    """Every pre-aggregate as a GROUP BY over the raw tables (``agg_durations`` as one
    row per run with a duration): what ``rebuild`` and the retraction of deleted runs
    (``zebench.service.deletion``) recompute."""
    specs = []
    for agg in ALL:
        keys = _key_columns(evaluation=agg.evaluations)
        group = [keys[n] for n in agg.key_names if n != "shard"]  # recomputed rows: shard 0
        if agg.evaluations:
            measures = _evaluation_measure_columns()
            source: Any = evaluations.join(runs, runs.c.run_id == evaluations.c.run_id)
        else:
            measures = _run_measure_columns()
            source = runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id)
        where = runs.c.batch_id.is_not(None) if agg.batched else None
        specs.append(Recompute(agg.table, group, measures, source, where))
    keys = {
        **_key_columns(evaluation=False),
        "duration_ms": telemetry.c.duration_ms,
        "run_id": runs.c.run_id,
    }
    names = [c.name for c in agg_durations.primary_key.columns]
    specs.append(
        Recompute(
            agg_durations,
            [keys[n] for n in names],
            {c.name: keys[c.name] for c in agg_durations.c if c.name not in names},
            runs.join(telemetry, telemetry.c.run_id == runs.c.run_id),
            telemetry.c.duration_ms.is_not(None),
            grouped=False,
        )
    )
    return specs


def rebuild(conn: Connection) -> None:
    """Recompute every pre-aggregate from the runs as stored now."""
    for spec in recomputes():
        recompute(conn, spec)


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
