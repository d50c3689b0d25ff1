"""Column sets shared by several pages (runs, pairs, groups of runs)."""

from __future__ import annotations

from zebench.web.pages.common import batch_link, run_link, runs_link
from zebench.web.rendering import run_span_ms
from zebench.web.tables import Column

SUCCESS_HELP = "Successful completed runs / all runs (a failed run counts against)."
SCORE_HELP = "Mean weighted score (0\u201310) of completed runs, ± the 95% t-interval."
CPS_HELP = "Total cost / successful runs."


RUN_TIME_HELP = "From the run's start to its end: workspace, agent, validation, evaluation."
AGENT_TIME_HELP = "The agent's own time, as it reported it (part of the run time)."


def run_columns(*, with_batch: bool = True) -> list[Column]:
    """What a person looks for first comes first (run, status, score, error), so that on
    a narrow screen the table scrolls sideways only for the details."""
    cols = [
        Column("runId", "Run", "code", sortable=False, link=run_link),
        Column("status", "Status", "status"),
        Column("weightedScore", "Score", "score"),
        Column("error", "Error", sortable=False),
        Column("startedAt", "Started", "time"),
        Column("agent", "Agent"),
        Column("model", "Model", "model"),
        Column("suite", "Suite"),
        Column("scenario", "Scenario"),
        Column("tier", "Tier"),
        Column("costUsd", "Cost", "money"),
        Column(
            "runMs", "Run time", "duration", sortable=False, help=RUN_TIME_HELP, compute=run_span_ms
        ),
        Column("durationMs", "Agent time", "duration", help=AGENT_TIME_HELP),
        Column("tokensIn", "Tokens in", "tokens"),
    ]
    if with_batch:
        cols.append(Column("batchId", "Batch", "code", link=batch_link))
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
        cols.append(Column("meanDurationMs", "Mean agent time", "duration", help=AGENT_TIME_HELP))
    return cols


def pair_columns() -> list[Column]:
    link = runs_link("agent", "model")
    return [Column("agent", "Agent", link=link), Column("model", "Model", "model", link=link)]


def scenario_columns() -> list[Column]:
    link = runs_link("suite", "scenario")
    return [Column("suite", "Suite"), Column("scenario", "Scenario", link=link)]
