"""Where evaluator statistics are read from: the evaluation pre-aggregates
(``service.aggregates``), or the evaluations joined to their runs when a filter
tests what no pre-aggregate holds (see ``sources``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.time import DAY_MS
from zebench.service.aggregates import EVALUATION_FILTERABLE, EVALUATOR_HOURS, HOUR_MS
from zebench.service.analytics.groups import opt_float
from zebench.service.analytics.sources import covering
from zebench.service.filters import RunFilter
from zebench.store.tables import evaluations, runs


def evaluator_rows(conn: Connection, flt: RunFilter) -> list[dict[str, Any]]:
    """Per evaluator: how often it ran and how it scored (score / max score, 0..1)."""
    rollup = covering(EVALUATION_FILTERABLE, flt, ["evaluator_name"])
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
    rollup = covering(EVALUATION_FILTERABLE, flt, ["evaluator_name", "day"])
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
