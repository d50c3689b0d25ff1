"""Runs: the filtered, sorted, paginated list, and everything about one run."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from zebench.model.errors import NotFound, ServiceError
from zebench.service.analytics.cache import Snapshot
from zebench.service.analytics.dashboard import Dashboard
from zebench.service.filters import RunFilter
from zebench.service.run_order import SORTABLE, RunOrder
from zebench.web.export import export_format, export_response
from zebench.web.pages.columns import EXPORT_ONLY_RUN_COLUMNS, run_columns
from zebench.web.pages.common import (
    EMPTY_HINT,
    dashboard,
    error_response,
    filter_context,
    not_found,
    params,
)
from zebench.web.pages.run_views import ShownRuns, run_document, run_parts, run_row, shown_runs
from zebench.web.rendering import SECURITY_HEADERS, render
from zebench.web.tables import Column, Table, TableState, read_state

router = APIRouter(include_in_schema=False)


def run_rows(
    board: Dashboard, flt: RunFilter, state: TableState, version: str
) -> Snapshot[ShownRuns]:
    """The page of the filtered runs that ``state`` shows, in its order, at the data
    ``version`` the page read."""
    order = RunOrder(state.sort, state.descending)
    read = board.runs(flt, order=order, offset=state.offset, limit=state.per_page, version=version)
    return Snapshot(shown_runs(read.value), read.version, read.seconds)


def export_runs(
    board: Dashboard,
    flt: RunFilter,
    state: TableState,
    fmt: str,
    name: str,
    columns: list[Column],
) -> Response:
    """Every matching run, streamed straight from the database in the table's order."""

    listed = board.export_runs(flt, RunOrder(state.sort, state.descending))
    rows = (run_row(run, tele) for run, tele in listed)
    return export_response(fmt, name, columns + EXPORT_ONLY_RUN_COLUMNS, rows)


@router.get("/runs")
def runs_page(request: Request) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        flt = RunFilter.parse(query)
        state = read_state(
            query, prefix="", sortable=list(SORTABLE), default_sort="startedAt", per_page=50
        )
        columns = run_columns()
        if fmt:
            return export_runs(board, flt, state, fmt, "runs", columns)
        version = board.version()
        snapshot = run_rows(board, flt, state, version)
    except ServiceError as exc:
        return error_response(request, exc)
    table = Table(
        id="runs",
        caption="Runs",
        columns=columns,
        rows=snapshot.value.rows,
        total=snapshot.value.total,
        state=state,
        params=query,
        empty="No runs match these filters." if not flt.is_empty() else "No runs stored yet.",
        empty_hint=None if not flt.is_empty() else EMPTY_HINT,
        searchable=False,
        path="/runs",
    )
    return render(
        request,
        "runs.html",
        {
            "title": "Runs",
            "live_page": True,
            "data_version": snapshot.version,
            "table": table,
            "filters": filter_context(board, flt, version),
        },
    )


@router.get("/runs/{run_id:path}")
def run_page(request: Request, run_id: str) -> Response:
    board = dashboard(request)
    try:
        evidence = board.run(run_id)
    except NotFound:
        return not_found(request, "Run", run_id)
    if request.query_params.get("format") == "json":
        return JSONResponse(
            run_document(evidence),
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": 'attachment; filename="run.json"',
            },
        )
    tool_calls = sum(len(m.tool_calls) for m in evidence.transcript or [])
    return render(
        request,
        "run_detail.html",
        {
            "title": "Run",
            "d": evidence,
            **run_parts(evidence),
            "tool_calls": tool_calls,
            "timeline": evidence.timeline,
        },
    )
