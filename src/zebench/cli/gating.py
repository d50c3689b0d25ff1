"""What ``run`` and ``batch`` share for CI: gate and report options, and the exit code.

Only Typer is imported at module level (``zebench --help`` stays fast).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from zebench.config import Settings
    from zebench.harness.batch import BatchRunReport
    from zebench.harness.gates import Gates
    from zebench.harness.summary import RunRecord

PANEL = "CI: gates and reports"

FailUnder = Annotated[
    float | None,
    typer.Option(
        "--fail-under",
        min=0,
        max=10,
        metavar="SCORE",
        rich_help_panel=PANEL,
        help="Exit 1 when an agent/model's mean weighted score (0-10, failed runs as 0) "
        "is below SCORE.",
    ),
]
MinSuccessRate = Annotated[
    float | None,
    typer.Option(
        "--min-success-rate",
        min=0,
        max=1,
        metavar="R",
        rich_help_panel=PANEL,
        help="Exit 1 when an agent/model's share of successful runs is below R (0-1).",
    ),
]
AllowFailedRuns = Annotated[
    bool,
    typer.Option(
        "--allow-failed-runs",
        rich_help_panel=PANEL,
        help="Do not exit 3 when runs could not be completed (they still count as 0).",
    ),
]
JunitFile = Annotated[
    Path | None,
    typer.Option(
        "--junit",
        metavar="FILE",
        rich_help_panel=PANEL,
        help="Write JUnit XML: one testcase per run, why it is not successful as the message.",
    ),
]
JsonFile = Annotated[
    Path | None,
    typer.Option(
        "--json",
        metavar="FILE",
        rich_help_panel=PANEL,
        help="Write the summary figures, gates and exit code as JSON.",
    ),
]


@dataclass(frozen=True)
class CiOptions:
    fail_under: float | None = None
    min_success_rate: float | None = None
    allow_failed_runs: bool = False
    junit: Path | None = None
    json: Path | None = None

    def gates(self) -> Gates:
        from zebench.harness.gates import Gates

        return Gates(self.fail_under, self.min_success_rate, self.allow_failed_runs)


def whole_batch(report: BatchRunReport) -> list[RunRecord]:
    """This session's runs plus, for a resumed batch, the completed runs earlier sessions
    stored that were not run again (so gates and reports speak for the whole batch)."""
    from zebench.harness.summary import earlier_record

    records = list(report.records)
    seen = {(r.suite, r.scenario, r.tier, r.agent, r.model or "", r.iteration) for r in records}
    for run in report.plan.earlier:
        key = (run.suite, run.scenario, run.tier, run.agent, run.model or "", run.iteration)
        if run.status == "completed" and run.iteration is not None and key not in seen:
            seen.add((*key[:5], run.iteration))
            records.append(earlier_record(run))
    return records


def dashboard_url(settings: Settings) -> str | None:
    """Where the dashboard is: ``ZEBENCH_DASHBOARD_URL``, else the results service's URL."""
    return settings.server.dashboard_url or settings.delivery.worker_url


def finish(
    report: BatchRunReport,
    records: list[RunRecord],
    ci: CiOptions,
    settings: Settings,
    console: Console,
) -> int:
    """Check the gates, write the reports, say what decided the exit code; return it."""
    from rich.markup import escape

    from zebench.harness.gates import EXIT_OK, check_gates, exit_code, incomplete
    from zebench.harness.reports import BatchSummary, write_reports

    gates = ci.gates()
    failures = check_gates(records, gates)
    refused = sum(1 for d in report.batch_deliveries if d.outcome == "rejected")
    missing = incomplete(records, len(report.errors) + refused)
    code = exit_code(missing, failures, gates)
    summary = BatchSummary(
        batch_id=report.plan.batch_id,
        records=records,
        failures=failures,
        incomplete=missing,
        exit_code=code,
        dashboard_url=dashboard_url(settings),
        metadata=report.plan.labels,
    )
    write_reports(summary, junit=ci.junit, json_path=ci.json)
    for error in report.errors:
        console.print(f"[red]error[/] {escape(error)}")
    for failure in failures:
        console.print(f"[red]gate failed[/] {escape(failure.message)}")
    if missing:
        allowed = " (allowed by --allow-failed-runs)" if gates.allow_failed_runs else ""
        console.print(f"[yellow]{missing} run(s) could not be completed{allowed}[/]")
    if code != EXIT_OK:
        console.print(f"exit {code}")
    return code
