"""The leaderboard: agent x model pairs ranked, and a scenario x pair heat map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from zebench.service.analytics.groups import pair_label, pair_rows, roll_up
from zebench.service.analytics.sources import cells, median_durations
from zebench.service.filters import RunFilter


@dataclass(frozen=True)
class HeatMap:
    scenarios: list[str]
    """Row labels, "suite / scenario"."""
    pairs: list[str]
    """Column labels, "agent / model"."""
    scores: list[list[float | None]]
    """Mean weighted score per scenario (row) and pair (column); None where no run."""
    counts: list[list[int]]


@dataclass(frozen=True)
class Leaderboard:
    rows: list[dict[str, Any]]
    heat_map: HeatMap


def compute_leaderboard(conn: Connection, flt: RunFilter) -> Leaderboard:
    fine = list(roll_up(cells(conn, flt), lambda k: (k[0], k[1], k[3], k[4])).values())
    pairs = roll_up(fine, lambda k: (k[2], k[3]))
    durations = median_durations(conn, flt, {k: g.duration_runs for k, g in pairs.items()})
    rows = pair_rows(list(pairs.values()))
    for row in rows:
        row["medianDurationMs"] = durations.get((row["agent"], row["model"]))
    return Leaderboard(rows=rows, heat_map=_heat_map(fine, rows))


def _heat_map(fine: list[Any], ranked: list[dict[str, Any]]) -> HeatMap:
    pair_keys = [(r["agent"], r["model"]) for r in ranked]
    scenario_keys = sorted({(g.key[0], g.key[1]) for g in fine})
    col = {k: i for i, k in enumerate(pair_keys)}
    row = {k: i for i, k in enumerate(scenario_keys)}
    scores: list[list[float | None]] = [[None] * len(pair_keys) for _ in scenario_keys]
    counts = [[0] * len(pair_keys) for _ in scenario_keys]
    for g in fine:
        r, c = row[(g.key[0], g.key[1])], col[(g.key[2], g.key[3])]
        scores[r][c] = g.mean_score
        counts[r][c] = g.runs
    return HeatMap(
        scenarios=[f"{s} / {sc}" for s, sc in scenario_keys],
        pairs=[pair_label(a, m) for a, m in pair_keys],
        scores=scores,
        counts=counts,
    )
