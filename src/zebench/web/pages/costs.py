"""Costs: money and tokens by agent/model; cost against score."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import ServiceError
from zebench.service.filters import RunFilter
from zebench.web import charts
from zebench.web.export import export_format, export_response
from zebench.web.pages.columns import CPS_HELP, SCORE_HELP, pair_columns
from zebench.web.pages.common import EMPTY_HINT, dashboard, error_response, filter_context, params
from zebench.web.rendering import render
from zebench.web.tables import Column, table_from_rows

router = APIRouter(include_in_schema=False)

COST_COLUMNS = [
    *pair_columns(),
    Column("runs", "Runs", "int"),
    Column("totalCost", "Total cost", "money"),
    Column("meanCost", "Mean cost / run", "money"),
    Column("costPerSuccess", "Cost / success", "money", help=CPS_HELP),
    Column("tokensIn", "Tokens in", "tokens"),
    Column("tokensOut", "Tokens out", "tokens"),
    Column("meanScore", "Mean score", "score", ci_key="scoreCi95", help=SCORE_HELP),
]


@router.get("/costs")
def costs_page(request: Request) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        flt = RunFilter.parse(query)
        version = board.version()
        snapshot = board.costs(flt, version=version)
        data = snapshot.value
        table, matching = table_from_rows(
            query,
            id="costs",
            caption="By agent and model",
            columns=COST_COLUMNS,
            rows=data.rows,
            default_sort="totalCost",
            path="/costs",
            empty="No runs match." if not flt.is_empty() else "No runs stored yet.",
            empty_hint=EMPTY_HINT,
        )
        if fmt:
            return export_response(fmt, "costs", COST_COLUMNS, matching)
    except ServiceError as exc:
        return error_response(request, exc)
    return render(
        request,
        "costs.html",
        {
            "title": "Costs",
            "data_version": snapshot.version,
            "filters": filter_context(board, flt, version),
            "data": data,
            "table": table,
            "scatter": charts.cost_scatter(data.points),
            "uses_charts": bool(data.points),
        },
    )
