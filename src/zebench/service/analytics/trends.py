"""Trends: score and success rate over time per agent/model, and per evaluator."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.service.analytics.filters import RunFilter
from zebench.service.analytics.groups import group_stats, pair_label
from zebench.service.timeutil import DAY_MS
from zebench.store.tables import evaluations, runs

WEEKLY_AFTER_DAYS = 120
"""Longer spans are bucketed by week so a chart keeps a readable number of points."""


@dataclass
class Series:
    name: str
    x: list[int] = field(default_factory=list)
    """Bucket starts, epoch ms."""
    mean_score: list[float | None] = field(default_factory=list)
    success_rate: list[float | None] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Trends:
    bucket_days: int
    pairs: list[Series]
    evaluators: list[Series]
    """Mean evaluator score (score / max score) per bucket; success_rate is unused."""


def bucket_days(conn: Connection, flt: RunFilter) -> int:
    first, last = conn.execute(
        sa.select(sa.func.min(runs.c.started_at), sa.func.max(runs.c.started_at)).where(
            *flt.clauses()
        )
    ).one()
    if first is None or (last - first) / DAY_MS <= WEEKLY_AFTER_DAYS:
        return 1
    return 7


def compute_trends(conn: Connection, flt: RunFilter) -> Trends:
    days = bucket_days(conn, flt)
    width = days * DAY_MS
    bucket = (runs.c.started_at // width).label("bucket")
    groups = group_stats(conn, [runs.c.agent, runs.c.model, bucket], flt, with_telemetry=False)
    by_pair: dict[str, Series] = {}
    for g in sorted(groups, key=lambda g: (g.key[0], g.key[1] or "", g.key[2])):
        name = pair_label(g.key[0], g.key[1])
        series = by_pair.setdefault(name, Series(name))
        series.x.append(int(g.key[2]) * width)
        series.mean_score.append(g.mean_score)
        series.success_rate.append(g.success_rate)
        series.runs.append(g.runs)
    return Trends(
        bucket_days=days,
        pairs=list(by_pair.values()),
        evaluators=evaluator_trends(conn, flt, days),
    )


def evaluator_trends(
    conn: Connection, flt: RunFilter, days: int, name: str | None = None
) -> list[Series]:
    """Mean score / max score per evaluator and bucket of the evaluation's time.

    As the original ``/api/stats/evaluators/:name/trends``, time is when the
    evaluation was recorded.
    """
    width = days * DAY_MS
    bucket = (evaluations.c.created_at // width).label("bucket")
    ratio = evaluations.c.score / sa.func.nullif(evaluations.c.max_score, 0)
    query = sa.select(
        evaluations.c.evaluator_name, bucket, sa.func.avg(ratio), sa.func.count()
    ).group_by(evaluations.c.evaluator_name, bucket)
    if name is not None:
        query = query.where(evaluations.c.evaluator_name == name)
    clauses = flt.clauses()
    if clauses:
        query = query.select_from(
            evaluations.join(runs, runs.c.run_id == evaluations.c.run_id)
        ).where(*clauses)
    out: dict[str, Series] = {}
    for evaluator, b, mean_ratio, n in sorted(conn.execute(query), key=lambda r: (r[0], r[1])):
        series = out.setdefault(evaluator, Series(evaluator))
        series.x.append(int(b) * width)
        series.mean_score.append(None if mean_ratio is None else float(mean_ratio))
        series.runs.append(int(n))
    return list(out.values())
