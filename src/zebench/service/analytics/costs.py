"""Costs: money and tokens by agent/model, and what the money bought (cost vs score)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from zebench.service.analytics.groups import merge, pair_label, roll_up, stats_row
from zebench.service.analytics.sources import cells
from zebench.service.filters import RunFilter


@dataclass(frozen=True)
class ScatterPoint:
    pair: str
    scenario: str
    mean_cost: float
    mean_score: float
    runs: int


@dataclass(frozen=True)
class Costs:
    rows: list[dict[str, Any]]
    total_cost: float
    cost_runs: int
    """Runs that reported a cost: with none, there is no cost data (not a cost of $0)."""
    total_tokens_in: int
    total_tokens_out: int
    points: list[ScatterPoint]
    """One point per agent/model and scenario: mean cost per run against mean score."""


def compute_costs(conn: Connection, flt: RunFilter) -> Costs:
    fine = list(roll_up(cells(conn, flt), lambda k: (k[3], k[4], k[0], k[1])).values())
    pairs = roll_up(fine, lambda k: (k[0], k[1]))
    rows = [{"agent": k[0], "model": k[1], **stats_row(g)} for k, g in pairs.items()]
    rows.sort(key=lambda r: -(r["totalCost"] or 0.0))
    totals = merge(fine)
    points = [
        ScatterPoint(
            pair=pair_label(g.key[0], g.key[1]),
            scenario=f"{g.key[2]} / {g.key[3]}",
            mean_cost=g.mean_cost,
            mean_score=g.mean_score,
            runs=g.runs,
        )
        for g in fine
        if g.mean_cost is not None and g.mean_score is not None
    ]
    return Costs(
        rows=rows,
        total_cost=totals.cost_sum,
        cost_runs=totals.cost_runs,
        total_tokens_in=totals.tokens_in,
        total_tokens_out=totals.tokens_out,
        points=points,
    )
