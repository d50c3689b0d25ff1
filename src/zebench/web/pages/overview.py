"""The overview: headline figures, score distribution, best pairs, recent runs and batches."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zebench.service.analytics.overview import Overview
from zebench.web import svg
from zebench.web.pages.columns import pair_columns, run_columns, stats_columns
from zebench.web.pages.common import (
    EMPTY_HINT,
    PageRead,
    batch_link,
    export_table,
    statistics_page,
)
from zebench.web.pages.run_views import run_rows_of
from zebench.web.tables import Column, Row, Table

router = APIRouter(include_in_schema=False)

BATCH_PREVIEW_COLUMNS = [
    Column("createdAt", "Created", "time"),
    Column("batchId", "Batch", "code", link=batch_link),
    Column("status", "State"),
    Column("totalRuns", "Runs", "int"),
    Column("successRate", "Success", "pct"),
    Column("avgWeightedScore", "Mean score", "score"),
]


RECENT_RUN_COLUMNS = [
    c for c in run_columns(with_batch=False) if c.key not in ("tokensIn", "durationMs", "error")
]


@router.get("/")
def overview_page(request: Request) -> Response:
    return statistics_page(
        request, lambda board, _, v: board.overview(version=v), _present, filtered=False
    )


def _present(page: PageRead[Overview]) -> Response:
    data = page.data
    tables = {
        f"overview-{preview.id}": _table(page, preview, rows)
        for preview, rows in zip(
            PREVIEWS,
            (data.top_pairs, run_rows_of(data.recent_runs), data.recent_batches),
            strict=True,
        )
    }
    if page.fmt:
        return export_table(page.fmt, page.query, tables, default="recent-runs")
    return page.render(
        "overview.html",
        "Overview",
        live_page=True,
        totals=data.totals,
        histogram=svg.histogram(
            data.histogram, label="Histogram of weighted scores of completed runs"
        ),
        tables=[table for table, _ in tables.values()],
        empty_hint=EMPTY_HINT,
    )


@dataclass(frozen=True)
class Preview:
    """One of the overview's short tables."""

    id: str
    prefix: str
    caption: str
    columns: list[Column]
    sort: str
    per_page: int
    empty: str
    hint: str = EMPTY_HINT


PREVIEWS = (
    Preview("pairs", "pairs", "Top agent/model pairs", pair_columns() + stats_columns(cost=False),
            "meanScore", 10, "No completed runs yet."),
    Preview("recent-runs", "rr", "Recent runs", RECENT_RUN_COLUMNS, "startedAt", 10,
            "No runs stored yet."),
    Preview("recent-batches", "rb", "Recent batches", BATCH_PREVIEW_COLUMNS, "createdAt", 5,
            "No batches yet.", "zebench batch --suite example --agent reference,echo"),
)  # fmt: skip


def _table(page: PageRead[Overview], preview: Preview, rows: list[Row]) -> tuple[Table, list[Row]]:
    p = preview
    return page.table(
        p.id,
        p.caption,
        p.columns,
        rows,
        p.sort,
        prefix=p.prefix,
        per_page=p.per_page,
        empty=p.empty,
        hint=p.hint,
    )
