"""The leaderboard: agent x model with confidence intervals, and the scenario heat map."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import ServiceError
from zebench.service.filters import RunFilter
from zebench.web import charts
from zebench.web.export import export_format, export_response
from zebench.web.pages.columns import AGENT_TIME_HELP, pair_columns, stats_columns
from zebench.web.pages.common import EMPTY_HINT, dashboard, error_response, filter_context, params
from zebench.web.rendering import render
from zebench.web.tables import Column, table_from_rows

router = APIRouter(include_in_schema=False)

LEADERBOARD_COLUMNS = [
    Column("rank", "#", "int"),
    *pair_columns(),
    *stats_columns(),
    Column("medianDurationMs", "Median agent time", "duration", help=AGENT_TIME_HELP),
]


@router.get("/leaderboard")
def leaderboard_page(request: Request) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        flt = RunFilter.parse(query)
        version = board.version()
        snapshot = board.leaderboard(flt, version=version)
        rows = [{"rank": i, **row} for i, row in enumerate(snapshot.value.rows, start=1)]
        table, matching = table_from_rows(
            query,
            id="leaderboard",
            caption="Agent \u00d7 model",
            columns=LEADERBOARD_COLUMNS,
            rows=rows,
            default_sort="rank",
            default_descending=False,
            path="/leaderboard",
            per_page=50,
            empty="No runs match." if not flt.is_empty() else "No runs stored yet.",
            empty_hint=EMPTY_HINT,
        )
        if fmt:
            return export_response(fmt, "leaderboard", LEADERBOARD_COLUMNS, matching)
    except ServiceError as exc:
        return error_response(request, exc)
    heat = snapshot.value.heat_map
    return render(
        request,
        "leaderboard.html",
        {
            "title": "Leaderboard",
            "data_version": snapshot.version,
            "scoring_mix": board.scoring_mix(version=snapshot.version).value,
            "table": table,
            "filters": filter_context(board, flt, version),
            "heat_map": charts.heat_map(heat),
            "uses_charts": bool(heat.scenarios),
        },
    )
