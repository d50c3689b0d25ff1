"""Evaluators: how often each ran, how it scored, and its trend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from zebench.service.analytics.evaluations import evaluator_rows
from zebench.service.analytics.trends import Series, bucket_days, evaluator_trends
from zebench.service.filters import RunFilter


@dataclass(frozen=True)
class EvaluatorsView:
    rows: list[dict[str, Any]]
    trends: list[Series]
    bucket_days: int


def compute_evaluators(conn: Connection, flt: RunFilter) -> EvaluatorsView:
    days = bucket_days(conn, flt)
    return EvaluatorsView(
        rows=evaluator_rows(conn, flt),
        trends=evaluator_trends(conn, flt, days),
        bucket_days=days,
    )
