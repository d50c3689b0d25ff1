"""Harness commands: ``run``, ``batch``, ``suites``, ``scenarios``, ``validate``, ``sync``.

Only Typer is imported at module level; the harness loads when a command runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zebench.cli.gating import (
    AllowFailedRuns,
    CiOptions,
    FailUnder,
    JsonFile,
    JunitFile,
    MinSuccessRate,
    finish,
)
from zebench.cli.output import FormatOption, OutputFormat

if TYPE_CHECKING:
    from rich.console import Console

    from zebench.config import Settings
    from zebench.harness.batch import BatchReport
    from zebench.harness.distributed.batch import BrokerOptions
    from zebench.harness.matrix import Matrix
    from zebench.harness.run_state import RunOptions
    from zebench.harness.summary import RunRecord

SuitesDir = Annotated[
    Path | None,
    typer.Option(
        "--suites-dir",
        envvar="ZEBENCH_SUITES_DIR",
        help="Directory of suites (default: ./suites if present); the examples are always found.",
    ),
]
KeepWorkspace = Annotated[
    bool, typer.Option("--keep-workspace", help="Keep each run's workspace for inspection.")
]
Timeout = Annotated[
    str | None,
    typer.Option(
        "--timeout",
        help="Agent time limit, overriding the scenario's timeout_minutes: 90, 90s, 15m, 1h.",
    ),
]
SandboxKind = Annotated[
    str | None,
    typer.Option(
        "--sandbox",
        envvar="ZEBENCH_SANDBOX",
        help="What contains the agent's commands: bubblewrap (default) or none (no isolation).",
    ),
]
SandboxNetwork = Annotated[
    str | None,
    typer.Option(
        "--sandbox-network",
        envvar="ZEBENCH_SANDBOX_NETWORK",
        help="none (default), on (outside network, not the host's loopback) or host.",
    ),
]
Iterations = Annotated[
    int, typer.Option("--iterations", "-n", min=1, help="Repeat each run this many times.")
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("batch")(batch)
    app.command("suites")(suites)
    app.command("scenarios")(scenarios)
    app.command("validate")(validate)
    app.command("sync")(sync)


def parse_duration(text: str | None) -> float | None:
    """Seconds from ``90``, ``90s``, ``15m`` or ``1h``."""
    if text is None:
        return None
    from zebench.errors import UserError

    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise UserError(f"--timeout: expected a duration like 90s, 15m or 1h, got {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def _split(values: list[str] | None) -> list[str]:
    """``--tier L0,L1 --tier L2`` -> [L0, L1, L2]."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _settings(suites_dir: Path | None, **overrides: Any) -> Settings:
    from pydantic import ValidationError

    from zebench.config import Settings
    from zebench.errors import UserError

    given = {k: v for k, v in overrides.items() if v is not None}
    if suites_dir is not None:
        given["suites_dir"] = suites_dir
    try:
        return Settings(**given)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise UserError(f"--{field.replace('_', '-')}: {error['msg']}") from None


def _pick(positional: str | None, option: str | None, name: str, default: str) -> str:
    from zebench.errors import UserError

    if positional and option and positional != option:
        raise UserError(f"{name} given twice: {positional!r} and --{name} {option!r}")
    return positional or option or default


def run(
    suite: Annotated[str, typer.Argument(metavar="SUITE", help="Suite name, e.g. update-deps.")],
    scenario: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="Scenario id, e.g. nx-pnpm-monorepo.")
    ],
    tier_arg: Annotated[str | None, typer.Argument(metavar="TIER", help="L0 .. L3, Lx.")] = None,
    agent_arg: Annotated[
        str | None, typer.Argument(metavar="AGENT", help="echo, reference, anthropic, ...")
    ] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Same as [TIER].")] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Same as [AGENT].")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model for the agent.")] = None,
    iterations: Iterations = 1,
    suites_dir: SuitesDir = None,
    keep_workspace: KeepWorkspace = False,
    timeout: Timeout = None,
    sandbox: SandboxKind = None,
    sandbox_network: SandboxNetwork = None,
    fail_under: FailUnder = None,
    min_success_rate: MinSuccessRate = None,
    allow_failed_runs: AllowFailedRuns = False,
    junit: JunitFile = None,
    json_file: JsonFile = None,
) -> None:
    """Run one scenario at one tier with one agent (a batch of --iterations runs).

    Exit codes: 0 every run completed and every gate passed; 1 a quality gate
    failed; 2 usage error; 3 a run could not be completed (unless --allow-failed-runs).
    """
    from zebench.harness.matrix import Matrix
    from zebench.harness.provenance import batch_labels
    from zebench.harness.run_state import RunOptions

    matrix = Matrix(
        suite=suite,
        scenarios=(scenario,),
        tiers=(_pick(tier_arg, tier, "tier", "L0"),),
        agents=(_pick(agent_arg, agent, "agent", "echo"),),
        models=(model,),
        iterations=iterations,
    )
    options = RunOptions(keep_workspace=keep_workspace, timeout_s=parse_duration(timeout))
    settings = _settings(suites_dir, sandbox=sandbox, sandbox_network=sandbox_network)
    ci = CiOptions(fail_under, min_success_rate, allow_failed_runs, junit, json_file)
    _execute(matrix, settings, None, 1, options, ci, batch_labels([], None))


def batch(
    suite: Annotated[str | None, typer.Option("--suite", help="Suite to run.")] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", help="Scenario names or globs, comma-separated (default: all)."),
    ] = None,
    tier: Annotated[
        list[str] | None,
        typer.Option("--tier", help="Tiers, e.g. L0,L1 (default: every tier a scenario has)."),
    ] = None,
    agent: Annotated[
        list[str] | None, typer.Option("--agent", help="Agents, comma-separated (default: echo).")
    ] = None,
    model: Annotated[
        list[str] | None, typer.Option("--model", help="Models, comma-separated.")
    ] = None,
    iterations: Iterations = 1,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Runs at once (default 1).")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option("--resume", help="Run only what is missing or failed in this batch."),
    ] = None,
    suites_dir: SuitesDir = None,
    keep_workspace: KeepWorkspace = False,
    timeout: Timeout = None,
    sandbox: SandboxKind = None,
    sandbox_network: SandboxNetwork = None,
    broker: Annotated[
        str | None,
        typer.Option(
            "--broker",
            envvar="ZEBENCH_BROKER_URL",
            help="Run on `zebench worker`s through this Celery broker (amqp:// or redis://).",
        ),
    ] = None,
    queue: Annotated[
        str, typer.Option("--queue", envvar="ZEBENCH_QUEUE", help="With --broker: the queue.")
    ] = "zebench",
    detach: Annotated[
        bool, typer.Option("--detach", help="With --broker: return once the runs are queued.")
    ] = False,
    requeue_missing: Annotated[
        bool,
        typer.Option(
            "--requeue-missing",
            help="With --broker --resume: queue again runs not stored yet (a broker lost them).",
        ),
    ] = False,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            rich_help_panel="CI: gates and reports",
            help="Label the batch (repeatable or comma-separated), e.g. main, nightly; "
            "`zebench compare --baseline latest:TAG` finds the newest batch with it.",
        ),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", rich_help_panel="CI: gates and reports", help="Free text kept with the batch."
        ),
    ] = None,
    fail_under: FailUnder = None,
    min_success_rate: MinSuccessRate = None,
    allow_failed_runs: AllowFailedRuns = False,
    junit: JunitFile = None,
    json_file: JsonFile = None,
) -> None:
    """Run the matrix scenarios x tiers x agents x models x iterations as one batch.

    The git commit, branch and dirty flag (or GITHUB_SHA / GITHUB_REF_NAME) are
    recorded with the batch. Exit codes: 0 every run completed and every gate
    passed; 1 a quality gate failed; 2 usage error; 3 a run could not be
    completed (unless --allow-failed-runs).
    """
    from zebench.errors import UserError
    from zebench.harness.matrix import Matrix
    from zebench.harness.provenance import batch_labels, clean_tags
    from zebench.harness.run_state import RunOptions

    settings = _settings(suites_dir, sandbox=sandbox, sandbox_network=sandbox_network)
    matrix: Matrix | None = None
    if suite is not None:
        tiers = _split(tier)
        models = _split(model)
        matrix = Matrix(
            suite=suite,
            scenarios=tuple(_split(scenario) or ["*"]),
            tiers=tuple(tiers) if tiers else None,
            agents=tuple(_split(agent) or ["echo"]),
            models=tuple(models) if models else (None,),
            iterations=iterations,
        )
    elif resume is None:
        raise UserError("--suite is required (or --resume BATCH_ID)")
    options = RunOptions(keep_workspace=keep_workspace, timeout_s=parse_duration(timeout))
    ci = CiOptions(fail_under, min_success_rate, allow_failed_runs, junit, json_file)
    labels = batch_labels(clean_tags(tag or []), note)
    remote = None
    if broker and (sandbox or sandbox_network):
        raise UserError(
            "--sandbox and --sandbox-network with --broker: the workers' own settings contain "
            "their runs (ZEBENCH_SANDBOX, ZEBENCH_SANDBOX_NETWORK on each worker)"
        )
    if broker:
        from zebench.harness.distributed.batch import BrokerOptions

        remote = BrokerOptions(broker, queue, detach=detach, requeue_missing=requeue_missing)
    elif detach or requeue_missing:
        raise UserError("--detach and --requeue-missing need --broker")
    _execute(
        matrix, settings, resume, jobs or settings.batch_concurrency, options, ci, labels, remote
    )


def _execute(
    matrix: Matrix | None,
    settings: Settings,
    resume: str | None,
    concurrency: int,
    options: RunOptions,
    ci: CiOptions,
    labels: dict[str, Any],
    remote: BrokerOptions | None = None,
) -> None:
    """Run a batch under signal handling: SIGINT/SIGTERM stop it cleanly (exit 130/143);
    exit with the code the gates and the runs decide (``zebench.harness.gates``)."""
    import asyncio
    import signal

    from rich.markup import escape

    from zebench.cli.output import make_console

    console = make_console()
    state: dict[str, Any] = {}
    if remote is None:  # with a broker, nothing runs here
        _check_sandbox(settings)
        _remove_orphans(settings, console)

    async def main() -> tuple[BatchReport, list[RunRecord]]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _cancel, task, sig, state)
        return await _batch(
            matrix, settings, resume, concurrency, options, console, state, labels, remote
        )

    try:
        report, records = asyncio.run(main())
    except asyncio.CancelledError:
        batch_id = state.get("batch_id")
        hint = f"; finish it with: zebench batch --resume {batch_id}" if batch_id else ""
        if "hint" in state:
            hint = f"; {state['hint']}"
        console.print(f"interrupted: finished runs were delivered or spooled{hint}", soft_wrap=True)
        raise typer.Exit(128 + int(state.get("signal", signal.SIGINT))) from None
    kept = sum(1 for r in report.records if r.delivery == "spooled")
    if kept:
        console.print(
            f"[yellow]{kept} result(s) could not be delivered and are kept in "
            f"{escape(str(settings.resolved_spool_dir()))}[/]; `zebench sync` delivers them "
            "(every run and batch also tries first)",
            soft_wrap=True,
        )
    code = finish(report, records, ci, settings, console)
    if code:
        raise typer.Exit(code)


def _check_sandbox(settings: Settings) -> None:
    """Refuse to start (one line, why and how to fix) when the sandbox cannot work here."""
    import sys

    from zebench.harness.isolation import sandbox_config
    from zebench.sandbox import NO_ISOLATION_WARNING, require_provider

    require_provider(sandbox_config(settings))
    if settings.sandbox == "none":
        sys.stderr.write(f"warning: {NO_ISOLATION_WARNING}\n")


def _remove_orphans(settings: Settings, console: Console) -> None:
    """Workspaces left by runs that were killed (never one of a run still going)."""
    from zebench.harness.workspace import remove_orphaned_workspaces

    removed = remove_orphaned_workspaces(settings.resolved_workspaces_dir())
    if removed:
        console.print(f"removed {len(removed)} workspace(s) left by killed runs")


def _cancel(task: Any, sig: int, state: dict[str, Any]) -> None:
    state.setdefault("signal", sig)
    task.cancel()


async def _batch(
    matrix: Matrix | None,
    settings: Settings,
    resume: str | None,
    concurrency: int,
    options: RunOptions,
    console: Console,
    state: dict[str, Any],
    labels: dict[str, Any],
    remote: BrokerOptions | None = None,
) -> tuple[BatchReport, list[RunRecord]]:
    from rich.markup import escape

    from zebench.cli.gating import whole_batch
    from zebench.delivery import open_delivery
    from zebench.harness.batch import plan_batch, run_batch

    delivery = open_delivery(settings)
    try:
        if remote is not None:
            from zebench.harness.distributed.batch import run_distributed

            report = await run_distributed(
                matrix,
                settings,
                delivery,
                resume,
                remote,
                options.timeout_s,
                console,
                state,
                labels=labels,
            )
            return report, whole_batch(report)
        _print_sync(console, await delivery.sync())
        plan = await plan_batch(matrix, settings, delivery, resume=resume, labels=labels)
        state["batch_id"] = plan.batch_id
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
        report = await run_batch(
            plan, settings, delivery, concurrency=concurrency, options=options, console=console
        )
        return report, whole_batch(report)
    finally:
        await delivery.aclose()


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


def suites(suites_dir: SuitesDir = None, output: FormatOption = OutputFormat.table) -> None:
    """List the suites that can be run, and where they are."""
    from rich.table import Table

    from zebench.cli.output import make_console, print_json
    from zebench.suites import list_scenarios, list_suites, suite_search_path

    settings = _settings(suites_dir)
    found: list[dict[str, Any]] = [
        {"suite": name, "scenarios": len(list_scenarios(path)), "path": str(path)}
        for name, path in list_suites(suite_search_path(settings.suites_dir)).items()
    ]
    if output is OutputFormat.json:
        print_json(found)
        return
    table = Table()
    for column in ("suite", "scenarios", "path"):
        table.add_column(column)
    for row in found:
        table.add_row(row["suite"], str(row["scenarios"]), row["path"])
    make_console().print(table)


def scenarios(
    suite: Annotated[str, typer.Argument(metavar="SUITE", help="Suite name.")],
    suites_dir: SuitesDir = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List a suite's scenarios with their tiers."""
    from rich.markup import escape
    from rich.table import Table

    from zebench.cli.output import make_console, print_json
    from zebench.suites import find_suite, list_scenarios, list_tiers, suite_search_path
    from zebench.suites.loader import parse_scenario

    settings = _settings(suites_dir)
    suite_dir = find_suite(suite, suite_search_path(settings.suites_dir))
    found: list[dict[str, Any]] = []
    for name in list_scenarios(suite_dir):
        parsed, _, problems = parse_scenario(suite_dir / "scenarios" / name / "scenario.yaml")
        found.append(
            {
                "suite": suite,
                "scenario": name,
                "tiers": list(list_tiers(suite_dir, name)),
                "title": parsed.title if parsed else None,
                "invalid": None if parsed else str(problems[0]),
            }
        )
    if output is OutputFormat.json:
        print_json(found)
        return
    table = Table(title=f"{suite} ({suite_dir})")
    for column in ("scenario", "tiers", "title"):
        table.add_column(column)
    for row in found:
        title = escape(row["title"] or "")
        if row["invalid"]:
            title = f"[red]invalid: {escape(row['invalid'])}[/]"
        table.add_row(escape(row["scenario"]), ", ".join(row["tiers"]) or "-", title)
    make_console().print(table)


def validate(
    path: Annotated[Path, typer.Argument(help="A suites directory, a suite or a scenario.")],
    run: Annotated[
        bool,
        typer.Option(
            "--run",
            help="Also run each scenario without an agent, on the untouched fixture (twice) "
            "and with its reference solution: guards, unwinnable checks, flaky tests.",
        ),
    ] = False,
) -> None:
    """Check suites and report every problem at once (exit 1 when there are errors)."""
    from rich.markup import escape

    from zebench.cli.output import make_console
    from zebench.suites import validate_path

    console = make_console()
    problems = validate_path(path)
    errors = [p for p in problems if not p.warning]
    warnings = [p for p in problems if p.warning]
    for problem in errors:
        console.print(f"[red]error[/] {escape(str(problem))}")
    for problem in warnings:
        console.print(f"[yellow]warning[/] {escape(str(problem))}")
    console.print(f"{path}: {len(errors)} error(s), {len(warnings)} warning(s)")
    if errors:
        raise typer.Exit(1)
    if run and _validate_run(path, console) > 0:
        raise typer.Exit(1)


def _validate_run(path: Path, console: Console) -> int:
    """Run every scenario under ``path`` without an agent; the number of errors found."""
    import asyncio

    from rich.markup import escape

    from zebench.config import Settings
    from zebench.harness.scenario_check import check_scenario
    from zebench.suites import load_scenario
    from zebench.suites.validate import scenarios_at

    settings = Settings()
    colours = {"info": "dim", "warning": "yellow", "error": "red"}
    errors = 0
    for suite_dir, scenario_id in scenarios_at(path):
        loaded = load_scenario(suite_dir, scenario_id)
        check = asyncio.run(check_scenario(loaded, settings))
        for finding in check.findings:
            colour = colours[finding.level]
            console.print(
                f"[{colour}]{finding.level}[/] {escape(check.scenario)}: {escape(finding.message)}"
            )
        errors += check.errors
    console.print(f"{path} --run: {errors} error(s)")
    return errors


def sync() -> None:
    """Deliver the results kept on disk because they could not be delivered before."""
    import asyncio

    from zebench.cli.output import make_console
    from zebench.config import Settings
    from zebench.delivery import open_delivery

    console = make_console()
    settings = Settings()
    _remove_orphans(settings, console)
    delivery = open_delivery(settings)

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
