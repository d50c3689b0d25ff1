"""What every page route needs: the read model, filters, errors, exports, column links."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from zebench.model.errors import ServiceError
from zebench.service.analytics.dashboard import Dashboard
from zebench.service.filters import NO_MODEL, STATUSES, RunFilter
from zebench.web.export import export_response
from zebench.web.rendering import SECURITY_HEADERS, path_part, query, render
from zebench.web.tables import Row, Table

EMPTY_HINT = "zebench run example fix-slugify L1 reference"
"""What to run when there is nothing to show yet (the example suite ships with zebench)."""


def dashboard(request: Request) -> Dashboard:
    board: Dashboard = request.app.state.dashboard
    return board


def params(request: Request) -> dict[str, str]:
    return dict(request.query_params)


def error_response(request: Request, error: ServiceError) -> Response:
    """A bad parameter: JSON for exports and scripts, a page naming the field otherwise."""
    if request.query_params.get("format") or "application/json" in request.headers.get(
        "accept", ""
    ):
        return JSONResponse(
            {"error": error.message, "details": error.details},
            status_code=error.status_code,
            headers=SECURITY_HEADERS,
        )
    return render(
        request,
        "error.html",
        {"title": "Cannot show this page", "message": error.message, "details": error.details},
        status_code=error.status_code,
    )


def not_found(request: Request, what: str, ident: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {
            "title": f"{what} not found",
            "message": f"No {what.lower()} has the id {ident!r}.",
            "details": None,
        },
        status_code=404,
    )


def filter_context(board: Dashboard, flt: RunFilter, version: str) -> dict[str, Any]:
    """Everything the shared filter form needs: current values and the choices.

    ``version``: the data version the page read for its own figures."""
    options = board.catalog(version=version).value.options
    return {"flt": flt, "options": options, "statuses": STATUSES, "no_model": NO_MODEL}


def export_table(
    fmt: str,
    query_params: Mapping[str, str],
    tables: Mapping[str, tuple[Table, list[Row]]],
    *,
    default: str,
    fallback: Callable[[], Response] | None = None,
) -> Response:
    """The export of the page's table whose id ``?table=`` names, else of ``default``.

    ``tables`` maps each export's file name to its table and every matching row.
    ``fallback`` exports the ``default`` table when it is not among ``tables`` (a
    batch's runs, streamed from the database rather than held in memory).
    """
    by_id = {table.id: (name, table, rows) for name, (table, rows) in tables.items()}
    chosen = by_id.get(query_params.get("table", default)) or by_id.get(default)
    if chosen is None:
        if fallback is None:
            raise ValueError(f"no table {default!r} to export")
        return fallback()
    name, table, rows = chosen
    return export_response(fmt, name, table.columns, rows)


# --- links from table cells ------------------------------------------------------


def run_link(row: Row) -> str | None:
    return f"/runs/{path_part(row['runId'])}" if row.get("runId") else None


def batch_link(row: Row) -> str | None:
    return f"/batches/{path_part(row['batchId'])}" if row.get("batchId") else None


def runs_link(*keys: str) -> Callable[[Row], str | None]:
    """A link to the runs page filtered on the row's values of ``keys``."""

    def link(row: Row) -> str | None:
        values = {}
        for key in keys:
            value = row.get(key)
            if key == "model" and value is None:
                value = NO_MODEL
            values[key] = value
        return "/runs" + query(values)

    return link
