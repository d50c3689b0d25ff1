"""Evaluators: how often each ran, how it scored, and its trend over time."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.service.analytics.evaluators import EvaluatorsView
from zebench.web import charts
from zebench.web.export import export_response
from zebench.web.pages.common import PageRead, statistics_page
from zebench.web.tables import Column

router = APIRouter(include_in_schema=False)

EVALUATOR_COLUMNS = [
    Column("evaluator", "Evaluator"),
    Column("evaluations", "Evaluations", "int"),
    Column("meanRatio", "Mean score / max", "ratio"),
    Column("meanScore", "Mean score", "ratio"),
    Column("minRatio", "Min", "ratio"),
    Column("maxRatio", "Max", "ratio"),
    Column("perfectShare", "Full marks", "pct"),
    Column("lastAt", "Last recorded", "time"),
]


@router.get("/evaluators")
def evaluators_page(request: Request) -> Response:
    return statistics_page(
        request, lambda board, flt, v: board.evaluators(flt, version=v), _present
    )


def _present(page: PageRead[EvaluatorsView]) -> Response:
    data = page.data
    empty = page.empty("No evaluations match.", "No evaluations yet.")
    table, matching = page.table(
        "evaluators", "Evaluators", EVALUATOR_COLUMNS, data.rows, "evaluations", empty=empty
    )
    if page.fmt:
        return export_response(page.fmt, "evaluators", EVALUATOR_COLUMNS, matching)
    period = "day" if data.bucket_days == 1 else "week"
    return page.render(
        "evaluators.html",
        "Evaluators",
        scores=False,  # evaluator scores, not the weighted scores scorings differ in
        table=table,
        trend=charts.series_chart(
            data.trends,
            f"Mean score / max per {period}",
            "mean_score",
            "score / max",
            y_range=[0, 1.02],
        ),
        uses_charts=bool(data.trends),
    )
