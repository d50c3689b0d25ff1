"""Evaluators: how often each ran, how it scored, and its trend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.service.analytics.filters import RunFilter
from zebench.service.analytics.trends import Series, bucket_days, evaluator_trends
from zebench.store.tables import evaluations, runs

Row = dict[str, Any]


def evaluator_rows(conn: Connection, flt: RunFilter) -> list[Row]:
    """Per evaluator: how often it ran and how it scored (score / max score, 0..1)."""
    ratio = evaluations.c.score / sa.func.nullif(evaluations.c.max_score, 0)
    query = sa.select(
        evaluations.c.evaluator_name,
        sa.func.count(),
        sa.func.avg(ratio),
        sa.func.min(ratio),
        sa.func.max(ratio),
        sa.func.count().filter(evaluations.c.score >= evaluations.c.max_score),
        sa.func.avg(evaluations.c.score),
        sa.func.max(evaluations.c.created_at),
    ).group_by(evaluations.c.evaluator_name)
    clauses = flt.clauses()
    if clauses:
        query = query.select_from(
            evaluations.join(runs, runs.c.run_id == evaluations.c.run_id)
        ).where(*clauses)
    out = []
    for name, n, mean_ratio, low, high, perfect, mean_score, last in conn.execute(query):
        out.append(
            {
                "evaluator": name,
                "evaluations": int(n),
                "meanRatio": _opt(mean_ratio),
                "minRatio": _opt(low),
                "maxRatio": _opt(high),
                "perfectShare": int(perfect) / int(n) if n else None,
                "meanScore": _opt(mean_score),
                "lastAt": last,
            }
        )
    return out


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class EvaluatorsView:
    rows: list[Row]
    trends: list[Series]
    bucket_days: int


def compute_evaluators(conn: Connection, flt: RunFilter) -> EvaluatorsView:
    days = bucket_days(conn, flt)
    return EvaluatorsView(
        rows=evaluator_rows(conn, flt),
        trends=evaluator_trends(conn, flt, days),
        bucket_days=days,
    )
