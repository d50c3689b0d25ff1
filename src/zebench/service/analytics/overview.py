"""The overview page: headline figures, score distribution, best pairs, recent activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from zebench.service.analytics.groups import (
    GroupStats,
    merge,
    pair_rows,
    roll_up,
    score_histogram,
)
from zebench.service.analytics.sources import cells
from zebench.service.batches import list_batches, table_row
from zebench.service.filters import RunFilter
from zebench.service.runs import RunList, list_runs

TOP_PAIRS = 5


@dataclass(frozen=True)
class Overview:
    totals: GroupStats
    histogram: list[tuple[float, float, int]]
    top_pairs: list[dict[str, Any]]
    recent_runs: RunList
    recent_batches: list[dict[str, Any]]


def compute_overview(conn: Connection) -> Overview:
    everything = RunFilter()
    fine = cells(conn, everything)
    pairs = roll_up(fine, lambda k: (k[3], k[4]))
    return Overview(
        totals=merge(fine),
        histogram=score_histogram(conn, everything),
        top_pairs=pair_rows(list(pairs.values()))[:TOP_PAIRS],
        recent_runs=list_runs(conn, everything, limit=10, with_telemetry=True),
        recent_batches=[table_row(b) for b in list_batches(conn, limit=5).rows],
    )
