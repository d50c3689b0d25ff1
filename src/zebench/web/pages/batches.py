"""Batches: the list, one batch's report, and the comparison of 2-5 batches.

They read what the API reads (``zebench.service.batches``, ``batch_analytics``,
``batch_comparison``) through the cached ``Dashboard``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import NotFound, ServiceError
from zebench.service.analytics.dashboard import Dashboard
from zebench.service.batch_analytics import BatchReport
from zebench.service.batch_comparison import MAX_BATCHES, BatchComparison, parse_batch_ids
from zebench.service.batches import BATCH_SORTABLE, BATCH_STATUSES, BatchFilter, table_row
from zebench.service.filters import RunFilter
from zebench.service.run_order import SORTABLE as RUN_SORTABLE
from zebench.web import charts
from zebench.web.export import export_format, export_response
from zebench.web.pages.columns import (
    pair_columns,
    run_columns,
    scenario_columns,
    stats_columns,
)
from zebench.web.pages.common import (
    batch_link,
    dashboard,
    error_response,
    export_table,
    not_found,
    params,
    run_link,
)
from zebench.web.pages.evaluators import EVALUATOR_COLUMNS as EVALUATORS_PAGE
from zebench.web.pages.runs import export_runs, run_rows
from zebench.web.rendering import path_part, render
from zebench.web.tables import Column, Table, read_state, table_from_rows

router = APIRouter(include_in_schema=False)
Row = dict[str, Any]


BATCH_COLUMNS = [
    Column("batchId", "Compare", "select", sortable=False),
    Column("createdAt", "Created", "time"),
    Column("batchId", "Batch", "code", link=batch_link),
    Column("status", "State", sortable=False),
    Column("totalRuns", "Runs", "int"),
    Column("successfulRuns", "Successful", "int"),
    Column("successRate", "Success", "pct"),
    Column("avgWeightedScore", "Mean score", "score"),
    Column("completedAt", "Completed", "time"),
    Column("durationMs", "Duration", "duration", sortable=False),
    Column("tags", "Tags", sortable=False),
    Column("commit", "Commit", "code", sortable=False),
]


@dataclass(frozen=True)
class _Opened:
    request: Request
    board: Dashboard
    query: dict[str, str]
    fmt: str | None
    """The export format asked for; None for the HTML page."""


def _page(
    request: Request, present: Callable[[_Opened], Response], batch_id: str | None = None
) -> Response:
    """The opening the batch pages share: the dashboard, the query and its export
    format. A bad parameter is answered by ``error_response``; an unknown
    ``batch_id`` by the not-found page."""
    query = params(request)
    try:
        return present(_Opened(request, dashboard(request), query, export_format(query)))
    except ServiceError as exc:
        if isinstance(exc, NotFound) and batch_id is not None:
            return not_found(request, "Batch", batch_id)
        return error_response(request, exc)


@router.get("/batches")
def batches_page(request: Request) -> Response:
    return _page(request, _batches)


def _batches(o: _Opened) -> Response:
    query, board = o.query, o.board
    state = read_state(query, prefix="", sortable=list(BATCH_SORTABLE), default_sort="createdAt")
    flt = BatchFilter(
        status=query.get("status") or None,
        search=state.search or None,
        tag=query.get("tag") or None,
    )
    flt.clauses()  # an unknown status is named before anything is read
    sort, descending = state.sort, state.descending
    if o.fmt:
        everything = board.export_batches(flt, sort=sort, descending=descending)
        rows = (table_row(b) for b in everything)
        return export_response(o.fmt, "batches", BATCH_COLUMNS[1:], rows)
    snapshot = board.batches(
        flt, sort=sort, descending=descending, offset=state.offset, limit=state.per_page
    )
    tags = board.known_tags()
    page, total = snapshot.value
    table = Table(
        id="batches",
        caption="Batches",
        columns=BATCH_COLUMNS,
        rows=[table_row(b) for b in page.rows],
        total=total,
        state=state,
        params=query,
        empty="No batches match." if flt.status or flt.tag or flt.search else "No batches yet.",
        empty_hint="zebench batch --suite example --agent reference,echo --iterations 2",
        searchable=False,  # the filter form above searches batch ids
        path="/batches",
    )
    context = {"status": flt.status, "statuses": BATCH_STATUSES, "tag": flt.tag, "tags": tags}
    return render(
        o.request,
        "batches.html",
        {
            "title": "Batches",
            "live_page": True,
            "data_version": snapshot.version,
            "table": table,
            "max_compare": MAX_BATCHES,
            **context,
        },
    )


def _cell_rows(comparison: BatchComparison) -> tuple[list[Column], list[Row]]:
    """The comparison's cells as table rows: a score and run count per batch, then the
    change of each batch after the first."""
    names = [b.batch.batch_id for b in comparison.batches]
    columns = [Column(k, k.title()) for k in ("suite", "scenario", "tier", "agent", "model")]
    for i, name in enumerate(names):
        columns += [
            Column(f"score{i}", f"Score: {name}", "score"),
            Column(f"runs{i}", "Runs", "int"),
        ]
    columns += [Column(f"delta{i}", f"Δ {name}", "score") for i, name in enumerate(names) if i]
    rows = []
    for cell in comparison.cells:
        row: Row = {
            "suite": cell.suite,
            "scenario": cell.scenario,
            "tier": cell.tier,
            "agent": cell.agent,
            "model": cell.model,
        }
        row.update({f"score{i}": score for i, score in enumerate(cell.scores)})
        row.update({f"runs{i}": n for i, n in enumerate(cell.runs)})
        row.update({f"delta{i}": d for i, d in enumerate(cell.deltas, start=1)})
        rows.append(row)
    return columns, rows


@router.get("/batches/compare")
def compare_page(request: Request) -> Response:
    return _page(request, _compare)


def _compare(o: _Opened) -> Response:
    snapshot = o.board.compare(parse_batch_ids(o.request.query_params.getlist("ids")))
    columns, rows = _cell_rows(snapshot.value)
    cells_table, all_cells = table_from_rows(
        o.query,
        id="cells",
        caption="Per scenario (failed runs count as 0)",
        columns=columns,
        rows=rows,
        default_sort="suite",
        default_descending=False,
        path="/batches/compare",
        per_page=50,
        empty="These batches have no runs.",
    )
    if o.fmt:
        return export_response(o.fmt, "batch-comparison", columns, all_cells)
    comparison = snapshot.value
    return render(
        o.request,
        "batch_compare.html",
        {
            "title": "Compare batches",
            "data_version": snapshot.version,
            "c": comparison,
            "cells": cells_table,
            "deltas": charts.comparison_deltas(comparison),
            "uses_charts": bool(comparison.cells),
        },
    )


def _report_tables(
    query: Mapping[str, str], report: BatchReport, base: str
) -> list[tuple[Table, list[Row]]]:
    """The report's tables (each with every matching row, for export)."""
    stats = stats_columns(duration=True)
    pairs = pair_columns()
    specs: list[tuple[str, str, str, list[Column], list[Row], str, bool]] = [
        ("by-scenario", "sc", "By suite and scenario, per agent and model",
         scenario_columns() + pairs + stats, report.by_scenario, "suite", False),
        ("by-pair", "pa", "By agent and model", pairs + stats, report.by_pair, "meanScore", True),
        ("by-tier", "ti", "By tier, per agent and model",
         [Column("tier", "Tier"), *pairs, *stats], report.by_tier, "tier", False),
        ("by-evaluator", "ev", "By evaluator", EVALUATOR_COLUMNS, report.by_evaluator,
         "evaluator", False),
    ]  # fmt: skip
    return [
        table_from_rows(
            query,
            id=id_,
            prefix=prefix,
            caption=caption,
            columns=columns,
            rows=rows,
            default_sort=sort,
            default_descending=descending,
            path=base,
            empty="No evaluations in this batch." if id_ == "by-evaluator" else "Nothing to show.",
        )
        for id_, prefix, caption, columns, rows, sort, descending in specs
    ]


def _runs_table(board: Dashboard, query: Mapping[str, str], batch_id: str, version: str) -> Table:
    state = read_state(query, prefix="ru", sortable=list(RUN_SORTABLE), default_sort="startedAt")
    page = run_rows(board, RunFilter(batch=batch_id), state, version).value
    return Table(
        id="runs",
        caption="Runs in this batch",
        columns=run_columns(with_batch=False),
        rows=page.rows,
        total=page.total,
        state=state,
        params=dict(query),
        prefix="ru",
        searchable=False,
        path=f"/batches/{path_part(batch_id)}",
        empty="This batch has no runs yet.",
    )


@router.get("/batches/{batch_id:path}")
def batch_page(request: Request, batch_id: str) -> Response:
    return _page(request, lambda opened: _batch(opened, batch_id), batch_id)


def _batch(o: _Opened, batch_id: str) -> Response:
    board, query, fmt = o.board, o.query, o.fmt
    version = board.version()
    snapshot = board.batch(batch_id, version=version)
    tables = _report_tables(query, snapshot.value, f"/batches/{path_part(batch_id)}")
    if fmt:
        return export_table(
            fmt,
            query,
            {f"batch-{table.id}": (table, rows) for table, rows in tables},
            default="runs",
            fallback=lambda: _export_runs(board, query, batch_id, fmt),
        )
    return render(
        o.request,
        "batch_detail.html",
        {
            "title": f"Batch {batch_id}",
            "live_page": True,
            "data_version": snapshot.version,
            "a": snapshot.value,
            "tables": [t for t, _ in tables],
            "runs_table": _runs_table(board, query, batch_id, version),
            "run_link": run_link,
        },
    )


def _export_runs(board: Dashboard, query: Mapping[str, str], batch_id: str, fmt: str) -> Response:
    """The batch's runs, streamed in the runs table's order."""
    state = read_state(query, prefix="ru", sortable=list(RUN_SORTABLE), default_sort="startedAt")
    columns = run_columns(with_batch=False)
    name = f"batch-{batch_id}-runs"
    return export_runs(board, RunFilter(batch=batch_id), state, fmt, name, columns)


EVALUATOR_COLUMNS = [c for c in EVALUATORS_PAGE if c.key not in ("meanScore", "lastAt")]
