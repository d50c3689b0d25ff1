"""The overview: headline figures, score distribution, best pairs, recent runs and batches."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.model.errors import ServiceError
from zebench.web import svg
from zebench.web.export import export_format
from zebench.web.pages.columns import pair_columns, run_columns, stats_columns
from zebench.web.pages.common import (
    EMPTY_HINT,
    batch_link,
    dashboard,
    error_response,
    export_table,
    params,
)
from zebench.web.rendering import render
from zebench.web.tables import Column, table_from_rows

router = APIRouter(include_in_schema=False)

BATCH_PREVIEW_COLUMNS = [
    Column("createdAt", "Created", "time"),
    Column("batchId", "Batch", "code", link=batch_link),
    Column("status", "State"),
    Column("totalRuns", "Runs", "int"),
    Column("successRate", "Success", "pct"),
    Column("avgWeightedScore", "Mean score", "score"),
]


@router.get("/")
def overview_page(request: Request) -> Response:
    board = dashboard(request)
    query = params(request)
    try:
        fmt = export_format(query)
        snapshot = board.overview()
        data = snapshot.value
        pairs, all_pairs = table_from_rows(
            query,
            id="pairs",
            prefix="pairs",
            caption="Top agent/model pairs",
            columns=pair_columns() + stats_columns(cost=False),
            rows=data.top_pairs,
            default_sort="meanScore",
            path="/",
            per_page=10,
            empty="No completed runs yet.",
            empty_hint=EMPTY_HINT,
        )
        recent, all_recent = table_from_rows(
            query,
            id="recent-runs",
            prefix="rr",
            caption="Recent runs",
            columns=[
                c
                for c in run_columns(with_batch=False)
                if c.key not in ("tokensIn", "durationMs", "error")
            ],
            rows=data.recent_runs,
            default_sort="startedAt",
            path="/",
            per_page=10,
            empty="No runs stored yet.",
            empty_hint=EMPTY_HINT,
        )
        batches, all_batches = table_from_rows(
            query,
            id="recent-batches",
            prefix="rb",
            caption="Recent batches",
            columns=BATCH_PREVIEW_COLUMNS,
            rows=data.recent_batches,
            default_sort="createdAt",
            path="/",
            per_page=5,
            empty="No batches yet.",
            empty_hint="zebench batch --suite example --agent reference,echo",
        )
        if fmt:
            return export_table(
                fmt,
                query,
                {
                    "overview-pairs": (pairs, all_pairs),
                    "overview-recent-runs": (recent, all_recent),
                    "overview-recent-batches": (batches, all_batches),
                },
                default="recent-runs",
            )
    except ServiceError as exc:
        return error_response(request, exc)
    return render(
        request,
        "overview.html",
        {
            "title": "Overview",
            "live_page": True,
            "data_version": snapshot.version,
            "scoring_mix": board.scoring_mix(version=snapshot.version).value,
            "totals": data.totals,
            "histogram": svg.histogram(
                data.histogram, label="Histogram of weighted scores of completed runs"
            ),
            "tables": [pairs, recent, batches],
            "empty_hint": EMPTY_HINT,
        },
    )
