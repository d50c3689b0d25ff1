"""Trends: score and success rate over time per agent/model; evaluator trends."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.service.analytics.trends import Series, Trends
from zebench.web import charts
from zebench.web.charts import Figure
from zebench.web.pages.common import PageRead, export_table, statistics_page
from zebench.web.tables import Column

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
    return statistics_page(request, lambda board, flt, v: board.trends(flt, version=v), _present)


def _present(page: PageRead[Trends]) -> Response:
    data = page.data
    pair_table, pair_rows = page.table(
        "pair-trends",
        "Per agent/model and period",
        TREND_COLUMNS,
        series_rows(data.pairs),
        "bucket",
    )
    evaluator_table, evaluator_rows = page.table(
        "evaluator-trends",
        "Per evaluator and period",
        EVALUATOR_TREND_COLUMNS,
        series_rows(data.evaluators),
        "bucket",
        prefix="ev",
        hint=None,
    )
    if page.fmt:
        return export_table(
            page.fmt,
            page.query,
            {
                "trends": (pair_table, pair_rows),
                "evaluator-trends": (evaluator_table, evaluator_rows),
            },
            default="pair-trends",
        )
    return page.render(
        "trends.html", "Trends", tables=[pair_table, evaluator_table], **_charts(data)
    )


def _charts(data: Trends) -> dict[str, Any]:
    period = "day" if data.bucket_days == 1 else "week"

    def chart(series: list[Series], title: str, field: str, axis: str, top: float) -> Figure:
        return charts.series_chart(series, f"{title} per {period}", field, axis, y_range=[0, top])

    return {
        "period": period,
        "score_chart": chart(data.pairs, "Mean weighted score", "mean_score", "score", 10.2),
        "success_chart": chart(data.pairs, "Success rate", "success_rate", "success rate", 1.02),
        "evaluator_chart": chart(
            data.evaluators, "Mean evaluator score / max", "mean_score", "score / max", 1.02
        ),
        "uses_charts": bool(data.pairs),
    }
