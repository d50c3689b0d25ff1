"""Column sets shared by several pages (runs, pairs, groups of runs)."""

from __future__ import annotations

from zebench.web.pages.common import batch_link, run_link, runs_link
from zebench.web.tables import Column

SUCCESS_HELP = "Successful completed runs / all runs (a failed run counts against)."
SCORE_HELP = "Mean weighted score (0\u201310) of completed runs, ± the 95% t-interval."
CPS_HELP = "Total cost / successful runs."


def run_columns(*, with_batch: bool = True) -> list[Column]:
    cols = [
        Column("startedAt", "Started", "time"),
        Column("runId", "Run", "code", sortable=False, link=run_link),
        Column("suite", "Suite"),
        Column("scenario", "Scenario"),
        Column("tier", "Tier"),
        Column("agent", "Agent"),
        Column("model", "Model"),
        Column("status", "Status", "status"),
        Column("weightedScore", "Score", "score"),
        Column("costUsd", "Cost", "money"),
        Column("durationMs", "Duration", "duration"),
        Column("tokensIn", "Tokens in", "tokens"),
        Column("error", "Error", sortable=False),
    ]
    if with_batch:
        cols.insert(2, Column("batchId", "Batch", "code", link=batch_link))
    return cols


EXPORT_ONLY_RUN_COLUMNS = [
    Column("completedAt", "Completed", "time"),
    Column("isSuccessful", "Successful"),
    Column("totalScore", "Total score", "ratio"),
    Column("tokensOut", "Tokens out", "tokens"),
    Column("toolCalls", "Tool calls", "int"),
    Column("errorKind", "Error kind"),
]


def stats_columns(*, cost: bool = True, duration: bool = False) -> list[Column]:
    cols = [
        Column("runs", "Runs", "int"),
        Column("successRate", "Success", "pct", help=SUCCESS_HELP),
        Column("meanScore", "Mean score", "score", ci_key="scoreCi95", help=SCORE_HELP),
        Column("failed", "Failed", "int"),
    ]
    if cost:
        cols += [
            Column("totalCost", "Cost", "money"),
            Column("costPerSuccess", "Cost / success", "money", help=CPS_HELP),
        ]
    if duration:
        cols.append(Column("meanDurationMs", "Mean duration", "duration"))
    return cols


def pair_columns() -> list[Column]:
    link = runs_link("agent", "model")
    return [Column("agent", "Agent", link=link), Column("model", "Model", link=link)]


def scenario_columns() -> list[Column]:
    link = runs_link("suite", "scenario")
    return [Column("suite", "Suite"), Column("scenario", "Scenario", link=link)]
