"""Evaluators: how often each ran, how it scored, and its trend over time."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import ServiceError
from zebench.service.filters import RunFilter
from zebench.web import charts
from zebench.web.export import export_format, export_response
from zebench.web.pages.common import EMPTY_HINT, dashboard, error_response, filter_context, params
from zebench.web.rendering import render
from zebench.web.tables import Column, table_from_rows

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
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        flt = RunFilter.parse(query)
        version = board.version()
        snapshot = board.evaluators(flt, version=version)
        data = snapshot.value
        table, matching = table_from_rows(
            query,
            id="evaluators",
            caption="Evaluators",
            columns=EVALUATOR_COLUMNS,
            rows=data.rows,
            default_sort="evaluations",
            path="/evaluators",
            empty="No evaluations match." if not flt.is_empty() else "No evaluations yet.",
            empty_hint=EMPTY_HINT,
        )
        if fmt:
            return export_response(fmt, "evaluators", EVALUATOR_COLUMNS, matching)
    except ServiceError as exc:
        return error_response(request, exc)
    period = "day" if data.bucket_days == 1 else "week"
    return render(
        request,
        "evaluators.html",
        {
            "title": "Evaluators",
            "data_version": snapshot.version,
            "filters": filter_context(board, flt, version),
            "table": table,
            "trend": charts.series_chart(
                data.trends,
                f"Mean score / max per {period}",
                "mean_score",
                "score / max",
                y_range=[0, 1.02],
            ),
            "uses_charts": bool(data.trends),
        },
    )
