"""The end-of-batch summary: per agent and model, how the runs went."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from zebench.service.analytics.stats import ci95_half_width, mean, median


@dataclass(frozen=True)
class RunRecord:
    """One finished run as the batch saw it."""

    agent: str
    model: str | None
    run_id: str
    status: str
    is_successful: bool
    weighted_score: float | None
    cost_usd: float | None
    wall_ms: int
    delivery: str
    """delivered, duplicate, spooled or rejected."""
    command_ms: int = 0
    """Of ``wall_ms``, the time spent in the scenario's own commands."""


@dataclass(frozen=True)
class SummaryRow:
    agent: str
    model: str | None
    runs: int
    failed: int
    success_rate: float
    mean_weighted: float | None
    ci95: float | None
    """Half-width of the 95% t-interval of the mean weighted score (two scores or more)."""
    cost_usd: float | None
    median_duration_s: float | None


def summarise(records: Sequence[RunRecord]) -> list[SummaryRow]:
    groups: dict[tuple[str, str | None], list[RunRecord]] = {}
    for record in records:
        groups.setdefault((record.agent, record.model), []).append(record)
    rows = []
    for (agent, model), group in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or "")):
        scores = [r.weighted_score for r in group if r.weighted_score is not None]
        costs = [r.cost_usd for r in group if r.cost_usd is not None]
        durations = [r.wall_ms / 1000 for r in group]
        rows.append(
            SummaryRow(
                agent=agent,
                model=model,
                runs=len(group),
                failed=sum(1 for r in group if r.status == "failed"),
                success_rate=sum(1 for r in group if r.is_successful) / len(group),
                mean_weighted=mean(scores),
                ci95=ci95_half_width(scores),
                cost_usd=sum(costs) if costs else None,
                median_duration_s=median(durations),
            )
        )
    return rows


def summary_table(rows: Sequence[SummaryRow], title: str) -> Table:
    table = Table(title=title, caption="score: mean weighted score (0-10) of scored runs")
    table.add_column("agent")
    table.add_column("model")
    table.add_column("runs", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("success", justify="right")
    table.add_column("score ±95% CI", justify="right")
    table.add_column("cost", justify="right")
    table.add_column("median", justify="right")
    for row in rows:
        if row.mean_weighted is None:
            score = "-"
        elif row.ci95 is None:
            score = f"{row.mean_weighted:.2f}"
        else:
            score = f"{row.mean_weighted:.2f} ± {row.ci95:.2f}"
        table.add_row(
            row.agent,
            row.model or "default",
            str(row.runs),
            str(row.failed),
            f"{row.success_rate:.0%}",
            score,
            f"${row.cost_usd:.4f}" if row.cost_usd is not None else "-",
            f"{row.median_duration_s:.1f} s" if row.median_duration_s is not None else "-",
        )
    return table
