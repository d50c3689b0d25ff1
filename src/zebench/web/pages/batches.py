"""Batches: the list, one batch's analytics, and the comparison of 2-5 batches."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import Invalid, ServiceError
from zebench.service.analytics.batches import BATCH_SORTABLE, BATCH_STATUSES
from zebench.service.analytics.comparison import MAX_BATCHES, parse_batch_ids
from zebench.service.analytics.runs import SORTABLE as RUN_SORTABLE
from zebench.service.filters import RunFilter
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
from zebench.web.pages.runs import export_runs, run_rows
from zebench.web.rendering import path_part, render
from zebench.web.tables import Column, Table, read_state, table_from_rows

router = APIRouter(include_in_schema=False)


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


@router.get("/batches")
def batches_page(request: Request) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        state = read_state(
            query, prefix="", sortable=list(BATCH_SORTABLE), default_sort="createdAt"
        )
        status = query.get("status") or None
        tag = query.get("tag") or None
        if status is not None and status not in BATCH_STATUSES:
            raise Invalid(
                f"status must be one of {', '.join(BATCH_STATUSES)}",
                {"field": "status", "value": status},
            )
        if fmt:
            everything = board.export_batches(
                status=status,
                query=state.search or None,
                sort=state.sort,
                descending=state.descending,
                tag=tag,
            )
            return export_response(fmt, "batches", BATCH_COLUMNS[1:], everything)
        snapshot = board.batches(
            status=status,
            query=state.search or None,
            sort=state.sort,
            descending=state.descending,
            offset=state.offset,
            limit=state.per_page,
            tag=tag,
        )
        tags = board.known_tags()
    except ServiceError as exc:
        return error_response(request, exc)
    table = Table(
        id="batches",
        caption="Batches",
        columns=BATCH_COLUMNS,
        rows=snapshot.value.rows,
        total=snapshot.value.total,
        state=state,
        params=query,
        empty="No batches match." if status or tag or state.search else "No batches yet.",
        empty_hint="zebench batch --suite example --agent reference,echo --iterations 2",
        searchable=False,  # the filter form above searches batch ids
        path="/batches",
    )
    return render(
        request,
        "batches.html",
        {
            "title": "Batches",
            "live_page": True,
            "data_version": snapshot.version,
            "table": table,
            "status": status,
            "statuses": BATCH_STATUSES,
            "tag": tag,
            "tags": tags,
            "max_compare": MAX_BATCHES,
        },
    )


@router.get("/batches/compare")
def compare_page(request: Request) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        ids = parse_batch_ids(request.query_params.getlist("ids"))
        snapshot = board.compare(ids)
    except ServiceError as exc:
        return error_response(request, exc)
    comparison = snapshot.value
    names = [str(b["batchId"]) for b in comparison.batches]
    cell_rows: list[dict[str, Any]] = []
    for cell in comparison.cells:
        row: dict[str, Any] = {
            "suite": cell.suite,
            "scenario": cell.scenario,
            "tier": cell.tier,
            "agent": cell.agent,
            "model": cell.model,
        }
        for i, score in enumerate(cell.scores):
            row[f"score{i}"] = score
            row[f"runs{i}"] = cell.runs[i]
        for i, delta in enumerate(cell.deltas, start=1):
            row[f"delta{i}"] = delta
        cell_rows.append(row)
    cell_columns = [
        Column("suite", "Suite"),
        Column("scenario", "Scenario"),
        Column("tier", "Tier"),
        Column("agent", "Agent"),
        Column("model", "Model"),
    ]
    for i, name in enumerate(names):
        cell_columns.append(Column(f"score{i}", f"Score: {name}", "score"))
        cell_columns.append(Column(f"runs{i}", "Runs", "int"))
    for i, name in enumerate(names[1:], start=1):
        cell_columns.append(Column(f"delta{i}", f"Δ {name}", "score"))
    try:
        cells_table, all_cells = table_from_rows(
            query,
            id="cells",
            caption="Per scenario (failed runs count as 0)",
            columns=cell_columns,
            rows=cell_rows,
            default_sort="suite",
            default_descending=False,
            path="/batches/compare",
            per_page=50,
            empty="These batches have no runs.",
        )
    except ServiceError as exc:
        return error_response(request, exc)
    if fmt:
        return export_response(fmt, "batch-comparison", cell_columns, all_cells)
    return render(
        request,
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


@router.get("/batches/{batch_id:path}")
def batch_page(request: Request, batch_id: str) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        version = board.version()
        snapshot = board.batch(batch_id, version=version)
        data = snapshot.value
        if data is None:
            return not_found(request, "Batch", batch_id)
        base = f"/batches/{path_part(batch_id)}"
        stats = stats_columns(duration=True)
        scenario_table, scenario_rows = table_from_rows(
            query,
            id="by-scenario",
            prefix="sc",
            caption="By suite and scenario, per agent and model",
            columns=scenario_columns() + pair_columns() + stats,
            rows=data.by_scenario,
            default_sort="suite",
            default_descending=False,
            path=base,
        )
        pair_table, pair_rows = table_from_rows(
            query,
            id="by-pair",
            prefix="pa",
            caption="By agent and model",
            columns=pair_columns() + stats,
            rows=data.by_pair,
            default_sort="meanScore",
            path=base,
        )
        tier_table, tier_rows = table_from_rows(
            query,
            id="by-tier",
            prefix="ti",
            caption="By tier, per agent and model",
            columns=[Column("tier", "Tier"), *pair_columns(), *stats],
            rows=data.by_tier,
            default_sort="tier",
            default_descending=False,
            path=base,
        )
        evaluator_table, evaluator_rows = table_from_rows(
            query,
            id="by-evaluator",
            prefix="ev",
            caption="By evaluator",
            columns=EVALUATOR_COLUMNS,
            rows=data.by_evaluator,
            default_sort="evaluator",
            default_descending=False,
            path=base,
            empty="No evaluations in this batch.",
        )
        run_state = read_state(
            query, prefix="ru", sortable=list(RUN_SORTABLE), default_sort="startedAt"
        )
        flt = RunFilter(batch=batch_id)
        columns = run_columns(with_batch=False)
        tables = [
            (scenario_table, scenario_rows),
            (pair_table, pair_rows),
            (tier_table, tier_rows),
            (evaluator_table, evaluator_rows),
        ]
        if fmt:
            return export_table(
                fmt,
                query,
                {f"batch-{table.id}": (table, rows) for table, rows in tables},
                default="runs",
                fallback=lambda: export_runs(
                    board, flt, run_state, fmt, f"batch-{batch_id}-runs", columns
                ),
            )
        run_page = run_rows(board, flt, run_state, version).value
    except ServiceError as exc:
        return error_response(request, exc)
    runs_table = Table(
        id="runs",
        caption="Runs in this batch",
        columns=columns,
        rows=run_page.rows,
        total=run_page.total,
        state=run_state,
        params=query,
        prefix="ru",
        searchable=False,
        path=base,
        empty="This batch has no runs yet.",
    )
    return render(
        request,
        "batch_detail.html",
        {
            "title": f"Batch {batch_id}",
            "live_page": True,
            "data_version": snapshot.version,
            "a": data,
            "tables": [t for t, _ in tables],
            "runs_table": runs_table,
            "run_link": run_link,
        },
    )


EVALUATOR_COLUMNS = [
    Column("evaluator", "Evaluator"),
    Column("evaluations", "Evaluations", "int"),
    Column("meanRatio", "Mean score / max", "ratio"),
    Column("minRatio", "Min", "ratio"),
    Column("maxRatio", "Max", "ratio"),
    Column("perfectShare", "Full marks", "pct"),
]
