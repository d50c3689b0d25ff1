"""The end-of-batch summary: per agent and model, how the runs went."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from zebench.delivery.base import StoredRun
from zebench.display import NO_VALUE, model_name, money
from zebench.model.statistics import ci95_half_width, mean, median


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
    wall_ms: int | None
    """None for a run of an earlier session stored without its end time."""
    delivery: str
    """delivered, duplicate, spooled or rejected; "stored" for an earlier session's run."""
    command_ms: int = 0
    """Of ``wall_ms``, the time spent in the scenario's own commands."""
    suite: str = ""
    scenario: str = ""
    tier: str = ""
    iteration: int = 1
    tokens_in: int | None = None
    tokens_out: int | None = None
    failure: str | None = None
    """Why the run is not successful (None when it is), for reports."""


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
        durations = [r.wall_ms / 1000 for r in group if r.wall_ms is not None]
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


def earlier_record(run: StoredRun) -> RunRecord:
    """A run an earlier session of the batch stored, as the summary counts it (its cost
    is not part of what a batch answer carries)."""
    return RunRecord(
        agent=run.agent,
        model=run.model,
        run_id=run.run_id,
        status=run.status,
        is_successful=run.is_successful,
        weighted_score=run.weighted_score,
        cost_usd=None,
        wall_ms=run.duration_ms,
        delivery="stored",
        suite=run.suite,
        scenario=run.scenario,
        tier=run.tier,
        iteration=run.iteration or 1,
        failure=None if run.is_successful else f"not successful ({run.status}, an earlier session)",
    )


def whole_batch_table(
    batch_id: str, records: Sequence[RunRecord], stored: Sequence[StoredRun]
) -> Table | None:
    """The summary of the whole batch: this session's ``records`` and every run of the
    batch ``stored`` before it (a resumed batch's earlier sessions); None when empty."""
    mine = {r.run_id for r in records}
    earlier = [earlier_record(r) for r in stored if r.run_id not in mine]
    if not records and not earlier:
        return None
    title = f"batch {batch_id}"
    if earlier:
        title += f" (whole batch: {len(earlier)} earlier run(s), {len(records)} now)"
    return summary_table(summarise([*earlier, *records]), title, earlier=len(earlier))


def summary_table(rows: Sequence[SummaryRow], title: str, *, earlier: int = 0) -> Table:
    """The summary; ``earlier`` runs came from earlier sessions (their cost is unknown here)."""
    caption = "score: mean weighted score (0-10) of scored runs"
    if earlier:
        caption += f"; cost: this session's runs only ({earlier} earlier run(s) not counted)"
    table = Table(title=title, caption=caption)
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
            score = NO_VALUE
        elif row.ci95 is None:
            score = f"{row.mean_weighted:.2f}"
        else:
            score = f"{row.mean_weighted:.2f} ± {row.ci95:.2f}"
        table.add_row(
            row.agent,
            model_name(row.model),
            str(row.runs),
            str(row.failed),
            f"{row.success_rate:.0%}",
            score,
            money(row.cost_usd),
            f"{row.median_duration_s:.1f} s" if row.median_duration_s is not None else NO_VALUE,
        )
    return table
