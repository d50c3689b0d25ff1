"""Trends: score and success rate over time per agent/model; evaluator trends."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import ServiceError
from zebench.service.analytics.trends import Series
from zebench.service.filters import RunFilter
from zebench.web import charts
from zebench.web.export import export_format
from zebench.web.pages.common import (
    EMPTY_HINT,
    dashboard,
    error_response,
    export_table,
    filter_context,
    params,
)
from zebench.web.rendering import render
from zebench.web.tables import Column, table_from_rows

router = APIRouter(include_in_schema=False)

TREND_COLUMNS = [
    Column("series", "Agent / model"),
    Column("bucket", "From", "day"),
    Column("runs", "Runs", "int"),
    Column("meanScore", "Mean score", "score"),
    Column("successRate", "Success", "pct"),
]
EVALUATOR_TREND_COLUMNS = [
    Column("series", "Evaluator"),
    Column("bucket", "From", "day"),
    Column("runs", "Evaluations", "int"),
    Column("meanScore", "Mean score / max", "ratio"),
]


def series_rows(series: list[Series]) -> list[dict[str, Any]]:
    return [
        {
            "series": s.name,
            "bucket": s.x[i],
            "runs": s.runs[i],
            "meanScore": s.mean_score[i],
            "successRate": s.success_rate[i] if s.success_rate else None,
        }
        for s in series
        for i in range(len(s.x))
    ]


@router.get("/trends")
def trends_page(request: Request) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        flt = RunFilter.parse(query)
        version = board.version()
        snapshot = board.trends(flt, version=version)
        data = snapshot.value
        pair_table, pair_rows = table_from_rows(
            query,
            id="pair-trends",
            caption="Per agent/model and period",
            columns=TREND_COLUMNS,
            rows=series_rows(data.pairs),
            default_sort="bucket",
            path="/trends",
            empty_hint=EMPTY_HINT,
        )
        evaluator_table, evaluator_rows = table_from_rows(
            query,
            id="evaluator-trends",
            prefix="ev",
            caption="Per evaluator and period",
            columns=EVALUATOR_TREND_COLUMNS,
            rows=series_rows(data.evaluators),
            default_sort="bucket",
            path="/trends",
        )
        if fmt:
            return export_table(
                fmt,
                query,
                {
                    "trends": (pair_table, pair_rows),
                    "evaluator-trends": (evaluator_table, evaluator_rows),
                },
                default="pair-trends",
            )
    except ServiceError as exc:
        return error_response(request, exc)
    period = "day" if data.bucket_days == 1 else "week"
    return render(
        request,
        "trends.html",
        {
            "title": "Trends",
            "data_version": snapshot.version,
            "filters": filter_context(board, flt, version),
            "period": period,
            "score_chart": charts.series_chart(
                data.pairs,
                f"Mean weighted score per {period}",
                "mean_score",
                "score",
                y_range=[0, 10.2],
            ),
            "success_chart": charts.series_chart(
                data.pairs,
                f"Success rate per {period}",
                "success_rate",
                "success rate",
                y_range=[0, 1.02],
            ),
            "evaluator_chart": charts.series_chart(
                data.evaluators,
                f"Mean evaluator score / max per {period}",
                "mean_score",
                "score / max",
                y_range=[0, 1.02],
            ),
            "uses_charts": bool(data.pairs),
            "tables": [pair_table, evaluator_table],
        },
    )
