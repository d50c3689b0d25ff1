"""What every page route needs: the read model, filters, errors, exports, column links."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from zebench.model.errors import ServiceError
from zebench.service.analytics.cache import Snapshot
from zebench.service.analytics.dashboard import Dashboard
from zebench.service.filters import NO_MODEL, STATUSES, RunFilter
from zebench.web.export import export_format, export_response
from zebench.web.rendering import SECURITY_HEADERS, path_part, query, render
from zebench.web.tables import Column, Row, Table, table_from_rows

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


T = TypeVar("T")


@dataclass(frozen=True)
class PageRead(Generic[T]):
    """What a statistics page has read before it presents anything: its query
    parameters, the export format asked for (None for the HTML page), the run filter
    and its figures, a snapshot of one data version."""

    request: Request
    board: Dashboard
    query: dict[str, str]
    fmt: str | None
    flt: RunFilter
    version: str
    """The data version read before the figures (the filter form's choices use it)."""
    snapshot: Snapshot[T]
    filtered: bool

    @property
    def data(self) -> T:
        return self.snapshot.value

    def empty(self, matching: str, stored: str) -> str:
        """The empty table's text: ``matching`` when a filter is set, ``stored`` otherwise."""
        return stored if self.flt.is_empty() else matching

    def table(
        self,
        id: str,
        caption: str,
        columns: list[Column],
        rows: list[Row],
        sort: str,
        *,
        ascending: bool = False,
        prefix: str = "",
        per_page: int = 25,
        empty: str = "Nothing to show.",
        hint: str | None = EMPTY_HINT,
    ) -> tuple[Table, list[Row]]:
        """One of the page's tables over ``rows``, sorted by ``sort`` unless the query
        says otherwise, and every matching row (for an export)."""
        return table_from_rows(
            self.query,
            id=id,
            caption=caption,
            columns=columns,
            rows=rows,
            default_sort=sort,
            default_descending=not ascending,
            prefix=prefix,
            per_page=per_page,
            path=self.request.url.path,
            empty=empty,
            empty_hint=hint,
        )

    def render(
        self, template: str, title: str, *, scores: bool = True, **context: Any
    ) -> HTMLResponse:
        """The page, with what every statistics page shows: the data version its live
        script compares, the filter form and, on pages that show weighted scores
        (``scores``), which scorings its runs were scored with."""
        version = self.snapshot.version
        shared: dict[str, Any] = {"title": title, "data_version": version, "scoring_mix": None}
        if scores:
            shared["scoring_mix"] = self.board.scoring_mix(self.flt, version=version).value
        if self.filtered:
            shared["filters"] = filter_context(self.board, self.flt, self.version)
        return render(self.request, template, {**shared, **context})


Read = Callable[[Dashboard, RunFilter, str], Snapshot[T]]
"""A page's figures for a filter, at a data version: a ``Dashboard`` method."""


def statistics_page(
    request: Request,
    read: Read[T],
    present: Callable[[PageRead[T]], Response],
    *,
    filtered: bool = True,
) -> Response:
    """The opening every statistics page shares: read the export format, the run
    filter (``filtered``; else every run) and the data version, then the figures;
    ``present`` turns them into the page or its export. A bad parameter is answered
    by ``error_response``."""
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        flt = RunFilter.parse(query) if filtered else RunFilter()
        version = board.version()
        page = PageRead(
            request, board, query, fmt, flt, version, read(board, flt, version), filtered
        )
        return present(page)
    except ServiceError as exc:
        return error_response(request, exc)


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
