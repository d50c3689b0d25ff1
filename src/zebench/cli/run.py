"""Harness commands: ``run`` (one scenario, tier and agent) and ``batch`` (a matrix).

Only Typer is imported at module level; the harness loads when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from zebench.cli.gating import (
    PANEL,
    AllowFailedRuns,
    CiOptions,
    FailUnder,
    JsonFile,
    JunitFile,
    MinSuccessRate,
)
from zebench.cli.run_options import (
    Iterations,
    KeepWorkspace,
    SandboxKind,
    SandboxNetwork,
    SuitesDir,
    Timeout,
    command_settings,
    parse_duration,
    split_values,
)

if TYPE_CHECKING:
    from zebench.harness.distributed.batch import BrokerOptions
    from zebench.harness.matrix import Matrix


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("batch")(batch)


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
    from zebench.cli.batch import BatchJob, execute
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
    settings = command_settings(suites_dir, sandbox=sandbox, sandbox_network=sandbox_network)
    ci = CiOptions(fail_under, min_success_rate, allow_failed_runs, junit, json_file)
    execute(BatchJob(matrix, settings, None, 1, options, batch_labels([], None)), ci)


Scenarios = Annotated[
    list[str] | None,
    typer.Option("--scenario", help="Scenario names or globs, comma-separated (default: all)."),
]
Tiers = Annotated[
    list[str] | None,
    typer.Option("--tier", help="Tiers, e.g. L0,L1 (default: every tier a scenario has)."),
]
Agents = Annotated[
    list[str] | None, typer.Option("--agent", help="Agents, comma-separated (default: echo).")
]
Models = Annotated[list[str] | None, typer.Option("--model", help="Models, comma-separated.")]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Runs at once (default 1).")]
Resume = Annotated[
    str | None, typer.Option("--resume", help="Run only what is missing or failed in this batch.")
]
Broker = Annotated[
    str | None,
    typer.Option(
        "--broker",
        envvar="ZEBENCH_BROKER_URL",
        help="Run on `zebench worker`s through this Celery broker (amqp:// or redis://).",
    ),
]
Queue = Annotated[
    str, typer.Option("--queue", envvar="ZEBENCH_QUEUE", help="With --broker: the queue.")
]
Detach = Annotated[
    bool, typer.Option("--detach", help="With --broker: return once the runs are queued.")
]
RequeueMissing = Annotated[
    bool,
    typer.Option(
        "--requeue-missing",
        help="With --broker --resume: queue again runs not stored yet (a broker lost them).",
    ),
]
Tags = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        rich_help_panel=PANEL,
        help="Label the batch (repeatable or comma-separated), e.g. main, nightly; "
        "`zebench compare --baseline latest:TAG` finds the newest batch with it.",
    ),
]
Note = Annotated[
    str | None,
    typer.Option("--note", rich_help_panel=PANEL, help="Free text kept with the batch."),
]


def batch(
    suite: Annotated[str | None, typer.Option("--suite", help="Suite to run.")] = None,
    scenario: Scenarios = None,
    tier: Tiers = None,
    agent: Agents = None,
    model: Models = None,
    iterations: Iterations = 1,
    jobs: Jobs = None,
    resume: Resume = None,
    suites_dir: SuitesDir = None,
    keep_workspace: KeepWorkspace = False,
    timeout: Timeout = None,
    sandbox: SandboxKind = None,
    sandbox_network: SandboxNetwork = None,
    broker: Broker = None,
    queue: Queue = "zebench",
    detach: Detach = False,
    requeue_missing: RequeueMissing = False,
    tag: Tags = None,
    note: Note = None,
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
    from zebench.cli.batch import BatchJob, execute
    from zebench.errors import UserError
    from zebench.harness.provenance import batch_labels, clean_tags
    from zebench.harness.run_state import RunOptions

    settings = command_settings(suites_dir, sandbox=sandbox, sandbox_network=sandbox_network)
    matrix: Matrix | None = None
    if suite is not None:
        matrix = _matrix(suite, scenario, tier, agent, model, iterations)
    elif resume is None:
        raise UserError("--suite is required (or --resume BATCH_ID)")
    options = RunOptions(keep_workspace=keep_workspace, timeout_s=parse_duration(timeout))
    ci = CiOptions(fail_under, min_success_rate, allow_failed_runs, junit, json_file)
    labels = batch_labels(clean_tags(tag or []), note)
    if broker and (sandbox or sandbox_network):
        raise UserError(
            "--sandbox and --sandbox-network with --broker: the workers' own settings contain "
            "their runs (ZEBENCH_SANDBOX, ZEBENCH_SANDBOX_NETWORK on each worker)"
        )
    remote = _broker_options(broker, queue, detach, requeue_missing)
    concurrency = jobs or settings.harness.batch_concurrency
    execute(BatchJob(matrix, settings, resume, concurrency, options, labels, remote), ci)


def _matrix(
    suite: str,
    scenario: list[str] | None,
    tier: list[str] | None,
    agent: list[str] | None,
    model: list[str] | None,
    iterations: int,
) -> Matrix:
    from zebench.harness.matrix import Matrix

    tiers = split_values(tier)
    models = split_values(model)
    return Matrix(
        suite=suite,
        scenarios=tuple(split_values(scenario) or ["*"]),
        tiers=tuple(tiers) if tiers else None,
        agents=tuple(split_values(agent) or ["echo"]),
        models=tuple(models) if models else (None,),
        iterations=iterations,
    )


def _broker_options(
    broker: str | None, queue: str, detach: bool, requeue_missing: bool
) -> BrokerOptions | None:
    from zebench.errors import UserError

    if broker:
        from zebench.harness.distributed.batch import BrokerOptions

        return BrokerOptions(broker, queue, detach=detach, requeue_missing=requeue_missing)
    if detach or requeue_missing:
        raise UserError("--detach and --requeue-missing need --broker")
    return None
