"""Running a batch from the command line: signals, workspaces left by killed runs,
delivery and what it kept (``sync``), the exit code the gates decide.

Only Typer is imported at module level; the harness loads when a command runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from zebench.cli.gating import CiOptions, finish

if TYPE_CHECKING:
    from rich.console import Console

    from zebench.config import Settings
    from zebench.delivery.deliver import Delivery
    from zebench.harness.batch import BatchPlan, BatchRunReport
    from zebench.harness.distributed.batch import BrokerOptions
    from zebench.harness.matrix import Matrix
    from zebench.harness.run_state import RunOptions
    from zebench.harness.summary import RunRecord


@dataclass(frozen=True)
class BatchJob:
    """A batch as the command line asked for it."""

    matrix: Matrix | None
    """None when resuming a batch, whose matrix the store knows."""
    settings: Settings
    resume: str | None
    concurrency: int
    options: RunOptions
    labels: dict[str, Any]
    remote: BrokerOptions | None = None
    """Set when the runs go to ``zebench worker``s through a broker."""


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)


def sync() -> None:
    """Deliver the results kept on disk because they could not be delivered before."""
    import asyncio

    from zebench.cli.output import make_console
    from zebench.config import Settings
    from zebench.delivery import open_delivery

    console = make_console()
    settings = Settings()
    _remove_orphans(settings, console)
    delivery = open_delivery(settings.delivery, settings.database_url)

    async def main() -> tuple[list[Any], int]:
        try:
            reports = await delivery.sync()
            return reports, len(delivery.pending())
        finally:
            await delivery.aclose()

    reports, left = asyncio.run(main())
    _print_sync(console, reports)
    console.print(f"{left} result(s) still kept in {delivery.spool.directory}")
    if left or any(r.outcome == "rejected" for r in reports):
        raise typer.Exit(1)


def execute(job: BatchJob, ci: CiOptions) -> None:
    """Run a batch under signal handling: SIGINT/SIGTERM stop it cleanly (exit 130/143);
    exit with the code the gates and the runs decide (``zebench.harness.gates``)."""
    import asyncio
    import signal

    from zebench.cli.output import make_console

    console = make_console()
    state: dict[str, Any] = {}
    if job.remote is None:  # with a broker, nothing runs here
        _check_sandbox(job.settings)
        _remove_orphans(job.settings, console)

    async def main() -> tuple[BatchRunReport, list[RunRecord]]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _cancel, task, sig, state)
        return await _batch(job, console, state)

    try:
        report, records = asyncio.run(main())
    except asyncio.CancelledError:
        batch_id = state.get("batch_id")
        hint = f"; finish it with: zebench batch --resume {batch_id}" if batch_id else ""
        if "hint" in state:
            hint = f"; {state['hint']}"
        console.print(f"interrupted: finished runs were delivered or spooled{hint}", soft_wrap=True)
        raise typer.Exit(128 + int(state.get("signal", signal.SIGINT))) from None
    _print_kept(report, job.settings, console)
    code = finish(report, records, ci, job.settings, console)
    if code:
        raise typer.Exit(code)


def _check_sandbox(settings: Settings) -> None:
    """Refuse to start (one line, why and how to fix) when the sandbox cannot work here."""
    import sys

    from zebench.harness.isolation import sandbox_config
    from zebench.sandbox import NO_ISOLATION_WARNING, require_provider

    require_provider(sandbox_config(settings))
    if settings.sandbox.backend == "none":
        sys.stderr.write(f"warning: {NO_ISOLATION_WARNING}\n")


def _remove_orphans(settings: Settings, console: Console) -> None:
    """Workspaces left by runs that were killed (never one of a run still going)."""
    from zebench.harness.workspace import remove_orphaned_workspaces

    removed = remove_orphaned_workspaces(settings.harness.workspaces_dir)
    if removed:
        console.print(f"removed {len(removed)} workspace(s) left by killed runs")


def _cancel(task: Any, sig: int, state: dict[str, Any]) -> None:
    state.setdefault("signal", sig)
    task.cancel()


async def _batch(
    job: BatchJob, console: Console, state: dict[str, Any]
) -> tuple[BatchRunReport, list[RunRecord]]:
    from zebench.cli.gating import whole_batch
    from zebench.delivery import open_delivery
    from zebench.harness.batch import plan_batch, run_batch

    delivery = open_delivery(job.settings.delivery, job.settings.database_url)
    try:
        if job.remote is not None:
            from zebench.harness.distributed.batch import run_distributed

            report = await run_distributed(
                job.matrix,
                job.settings,
                delivery,
                job.resume,
                job.remote,
                job.options.timeout_s,
                console,
                state,
                labels=job.labels,
            )
            return report, whole_batch(report)
        _print_sync(console, await delivery.sync())
        plan = await plan_batch(
            job.matrix, job.settings, delivery, resume=job.resume, labels=job.labels
        )
        state["batch_id"] = plan.batch_id
        _print_plan(plan, delivery, console)
        report = await run_batch(
            plan,
            job.settings,
            delivery,
            concurrency=job.concurrency,
            options=job.options,
            console=console,
        )
        return report, whole_batch(report)
    finally:
        await delivery.aclose()


def _print_plan(plan: BatchPlan, delivery: Delivery, console: Console) -> None:
    from rich.markup import escape

    for note in plan.notes:
        console.print(f"[yellow]note[/] {escape(note)}")
    if plan.specs:
        done = f", {plan.already_done} already done" if plan.already_done else ""
        console.print(
            f"batch {plan.batch_id}: {len(plan.specs)} run(s) to do{done}; "
            f"results to {delivery.target}",
            soft_wrap=True,
        )
    else:
        console.print(
            f"batch {plan.batch_id}: nothing left to run, all {plan.already_done} "
            f"run(s) completed; results at {delivery.target}",
            soft_wrap=True,
        )


def _print_kept(report: BatchRunReport, settings: Settings, console: Console) -> None:
    from rich.markup import escape

    kept = sum(1 for r in report.records if r.delivery == "spooled")
    if kept:
        console.print(
            f"[yellow]{kept} result(s) could not be delivered and are kept in "
            f"{escape(str(settings.delivery.spool_dir))}[/]; `zebench sync` delivers them "
            "(every run and batch also tries first)",
            soft_wrap=True,
        )


def _print_sync(console: Console, reports: list[Any]) -> None:
    from rich.markup import escape

    if not reports:
        return
    sent = sum(1 for r in reports if r.outcome in ("delivered", "duplicate"))
    console.print(f"sync: delivered {sent} kept result(s)")
    for report in reports:
        if report.outcome in ("spooled", "rejected"):
            console.print(
                "[yellow]sync[/] "
                + escape(f"{report.kind} {report.key}: {report.outcome}: {report.message}")
            )
