"""Costs: money and tokens by agent/model; cost against score."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.service.analytics.costs import Costs
from zebench.web import charts
from zebench.web.export import export_response
from zebench.web.pages.columns import CPS_HELP, SCORE_HELP, pair_columns
from zebench.web.pages.common import PageRead, statistics_page
from zebench.web.tables import Column

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
    return statistics_page(request, lambda board, flt, v: board.costs(flt, version=v), _present)


def _present(page: PageRead[Costs]) -> Response:
    data = page.data
    empty = page.empty("No runs match.", "No runs stored yet.")
    table, matching = page.table(
        "costs", "By agent and model", COST_COLUMNS, data.rows, "totalCost", empty=empty
    )
    if page.fmt:
        return export_response(page.fmt, "costs", COST_COLUMNS, matching)
    return page.render(
        "costs.html",
        "Costs",
        data=data,
        table=table,
        scatter=charts.cost_scatter(data.points),
        uses_charts=bool(data.points),
    )
