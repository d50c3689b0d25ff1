"""Trends: score and success rate over time per agent/model, and per evaluator."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from zebench.model.time import DAY_MS
from zebench.service.analytics.evaluations import evaluator_buckets
from zebench.service.analytics.groups import pair_label
from zebench.service.analytics.sources import stats, time_span
from zebench.service.filters import RunFilter

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
    first, last = time_span(conn, flt)
    if first is None or last is None or (last - first) / DAY_MS <= WEEKLY_AFTER_DAYS:
        return 1
    return 7


def compute_trends(conn: Connection, flt: RunFilter) -> Trends:
    days = bucket_days(conn, flt)
    width = days * DAY_MS
    groups = stats(conn, ("agent", "model", "bucket"), flt, bucket_days=days)
    by_pair: dict[str, Series] = {}
    for g in sorted(groups, key=lambda g: (g.key[0], g.key[1] or "", g.key[2])):
        name = pair_label(g.key[0], g.key[1])
        series = by_pair.setdefault(name, Series(name))
        series.x.append(g.key[2] * width)
        series.mean_score.append(g.mean_score)
        series.success_rate.append(g.success_rate)
        series.runs.append(g.runs)
    return Trends(
        bucket_days=days,
        pairs=list(by_pair.values()),
        evaluators=evaluator_trends(conn, flt, days),
    )


def evaluator_trends(conn: Connection, flt: RunFilter, days: int) -> list[Series]:
    """Mean score / max score per evaluator and bucket of the run's start day: the
    same time axis and date filter as every other trend. (The API's
    ``/api/stats/evaluators/:name/trends`` keeps the original's axis, the time
    the evaluation was recorded.)"""
    width = days * DAY_MS
    out: dict[str, Series] = {}
    for evaluator, bucket, mean_ratio, n in evaluator_buckets(conn, flt, days):
        series = out.setdefault(evaluator, Series(evaluator))
        series.x.append(bucket * width)
        series.mean_score.append(mean_ratio)
        series.runs.append(n)
    return list(out.values())
