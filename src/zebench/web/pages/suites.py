"""Suites and scenarios: what was run, how often, and how it went."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import ServiceError
from zebench.service.filters import RunFilter
from zebench.web.export import export_format
from zebench.web.pages.columns import scenario_columns, stats_columns
from zebench.web.pages.common import (
    EMPTY_HINT,
    dashboard,
    error_response,
    export_table,
    filter_context,
    params,
    runs_link,
)
from zebench.web.rendering import render
from zebench.web.tables import Column, table_from_rows

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
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        flt = RunFilter.parse(query)
        version = board.version()
        snapshot = board.catalog(flt, version=version)
        data = snapshot.value
        suites, all_suites = table_from_rows(
            query,
            id="suites",
            prefix="su",
            caption="Suites",
            columns=SUITE_COLUMNS,
            rows=data.suites,
            default_sort="suite",
            default_descending=False,
            path="/suites",
            empty_hint=EMPTY_HINT,
        )
        scenarios, all_scenarios = table_from_rows(
            query,
            id="scenarios",
            caption="Scenarios",
            columns=SCENARIO_COLUMNS,
            rows=data.scenarios,
            default_sort="suite",
            default_descending=False,
            path="/suites",
            per_page=50,
            empty_hint=EMPTY_HINT,
        )
        if fmt:
            return export_table(
                fmt,
                query,
                {"suites": (suites, all_suites), "scenarios": (scenarios, all_scenarios)},
                default="scenarios",
            )
    except ServiceError as exc:
        return error_response(request, exc)
    return render(
        request,
        "suites.html",
        {
            "title": "Suites and scenarios",
            "data_version": snapshot.version,
            "filters": filter_context(board, flt, version),
            "tables": [suites, scenarios],
        },
    )
