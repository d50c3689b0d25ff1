"""The leaderboard: agent x model with confidence intervals, and the scenario heat map."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.service.analytics.leaderboard import Leaderboard
from zebench.web import charts
from zebench.web.export import export_response
from zebench.web.pages.columns import AGENT_TIME_HELP, pair_columns, stats_columns
from zebench.web.pages.common import PageRead, statistics_page
from zebench.web.tables import Column

router = APIRouter(include_in_schema=False)

LEADERBOARD_COLUMNS = [
    Column("rank", "#", "int"),
    *pair_columns(),
    *stats_columns(),
    Column("medianDurationMs", "Median agent time", "duration", help=AGENT_TIME_HELP),
]


@router.get("/leaderboard")
def leaderboard_page(request: Request) -> Response:
    return statistics_page(
        request, lambda board, flt, v: board.leaderboard(flt, version=v), _present
    )


def _present(page: PageRead[Leaderboard]) -> Response:
    rows = [{"rank": i, **row} for i, row in enumerate(page.data.rows, start=1)]
    table, matching = page.table(
        "leaderboard",
        "Agent \u00d7 model",
        LEADERBOARD_COLUMNS,
        rows,
        "rank",
        ascending=True,
        per_page=50,
        empty=page.empty("No runs match.", "No runs stored yet."),
    )
    if page.fmt:
        return export_response(page.fmt, "leaderboard", LEADERBOARD_COLUMNS, matching)
    heat = page.data.heat_map
    return page.render(
        "leaderboard.html",
        "Leaderboard",
        table=table,
        heat_map=charts.heat_map(heat),
        uses_charts=bool(heat.scenarios),
    )
