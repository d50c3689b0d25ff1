"""Suites and scenarios: what was run, how often, and how it went."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.service.analytics.catalog import Catalog
from zebench.web.pages.columns import scenario_columns, stats_columns
from zebench.web.pages.common import (
    PageRead,
    export_table,
    runs_link,
    statistics_page,
)
from zebench.web.tables import Column

router = APIRouter(include_in_schema=False)

SUITE_COLUMNS = [
    Column("suite", "Suite", link=runs_link("suite")),
    Column("scenarioCount", "Scenarios", "int"),
    *stats_columns(cost=False),
    Column("lastRunAt", "Last run", "time"),
]
SCENARIO_COLUMNS = [
    *scenario_columns(),
    Column("tiers", "Tiers"),
    Column("pairs", "Agent/models", "int"),
    *stats_columns(cost=False),
    Column("lastRunAt", "Last run", "time"),
]


@router.get("/suites")
def suites_page(request: Request) -> Response:
    return statistics_page(request, lambda board, flt, v: board.catalog(flt, version=v), _present)


def _present(page: PageRead[Catalog]) -> Response:
    data = page.data
    suites, all_suites = page.table(
        "suites", "Suites", SUITE_COLUMNS, data.suites, "suite", ascending=True, prefix="su"
    )
    scenarios, all_scenarios = page.table(
        "scenarios",
        "Scenarios",
        SCENARIO_COLUMNS,
        data.scenarios,
        "suite",
        ascending=True,
        per_page=50,
    )
    if page.fmt:
        return export_table(
            page.fmt,
            page.query,
            {"suites": (suites, all_suites), "scenarios": (scenarios, all_scenarios)},
            default="scenarios",
        )
    return page.render("suites.html", "Suites and scenarios", tables=[suites, scenarios])
