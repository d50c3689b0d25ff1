"""A batch: the matrix run N at a time under one batchId, delivered run by run, resumable.

The batch is announced (POST /api/results/batch with its matrix in metadata)
before the first run and completed after the last; totals are the server's,
computed from the stored runs. Each run is delivered as soon as it finishes
(spooled first), so an interrupted batch loses only the runs in flight, and
``--resume BATCH_ID`` runs what is missing or failed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from zebench import __version__
from zebench.agents.base import Agent
from zebench.config import Settings
from zebench.delivery import Delivery, DeliveryReport, StoredRun
from zebench.delivery.base import Rejected, Unavailable
from zebench.errors import UserError
from zebench.evaluators import default_evaluators
from zebench.evaluators.base import Evaluator
from zebench.harness.isolation import batch_isolation
from zebench.harness.matrix import Matrix, RunKey, RunSpec, expand
from zebench.harness.reports import why_not_successful
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import Phase, RunOutcome, execute_run
from zebench.harness.summary import RunRecord, whole_batch_table
from zebench.model.results import BatchIn
from zebench.model.time import now_ms
from zebench.suites import LoadedScenario, find_suite, load_scenario, suite_search_path

AgentFactory = Callable[[str, Settings], Agent]


def new_batch_id() -> str:
    return f"batch-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def _default_agent_factory(name: str, settings: Settings) -> Agent:
    from zebench.agents.registry import get_agent

    return get_agent(name, settings)


@dataclass
class BatchPlan:
    batch_id: str
    created_at: int
    matrix: Matrix
    suite_dir: Path
    specs: list[RunSpec]
    already_done: int = 0
    notes: list[str] = field(default_factory=list)
    earlier: list[StoredRun] = field(default_factory=list)
    """Runs earlier sessions of a resumed batch stored (the summary covers them too)."""
    isolation: dict[str, Any] = field(default_factory=dict)
    """What contains the batch's runs (``harness.isolation.batch_isolation``)."""
    labels: dict[str, Any] = field(default_factory=dict)
    """Tags, note, git and CI provenance (``harness.provenance.batch_labels``)."""

    def metadata(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            **self.labels,
            "matrix": self.matrix.to_json(),
            "suitePath": str(self.suite_dir.resolve()),
            "harness": f"zebench {__version__}",
        }
        if self.isolation:
            found["isolation"] = self.isolation
        return found


@dataclass
class BatchRunReport:
    plan: BatchPlan
    records: list[RunRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Runs the harness itself could not finish (a bug, not a failed run)."""
    batch_deliveries: list[DeliveryReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No harness error, and nothing the results service refused for good."""
        outcomes = [r.delivery for r in self.records]
        outcomes += [d.outcome for d in self.batch_deliveries]
        return not self.errors and "rejected" not in outcomes


def _finished_keys(runs: list[StoredRun], batch_id: str, delivery: Delivery) -> set[RunKey]:
    """Identities of completed runs: stored ones, and those still waiting in the spool."""
    found = [
        (r.suite, r.scenario, r.tier, r.agent, r.model, r.iteration)
        for r in runs
        if r.status == "completed"
    ]
    for entry in delivery.pending():
        p = entry.payload
        if (
            entry.kind == "result"
            and p.get("batchId") == batch_id
            and p.get("status") == "completed"
        ):
            iteration = (p.get("metadata") or {}).get("iteration")
            found.append(
                (p["suite"], p["scenario"], p["tier"], p["agent"], p.get("model"), iteration)
            )
    return {
        (suite, scenario, tier, agent, model or "", iteration)
        for suite, scenario, tier, agent, model, iteration in found
        if isinstance(iteration, int)
    }


async def plan_batch(
    matrix: Matrix | None,
    settings: Settings,
    delivery: Delivery,
    *,
    resume: str | None = None,
    labels: dict[str, Any] | None = None,
) -> BatchPlan:
    """What to run. Resuming takes the matrix the batch recorded unless one is given,
    and leaves out every run that completed (stored, or spooled awaiting sync).
    A resumed batch keeps the tags, note and provenance it recorded; tags given
    now are added to its own."""
    batch_id, created_at, done = new_batch_id(), now_ms(), set[RunKey]()
    earlier: list[StoredRun] = []
    labels = dict(labels or {})
    search = suite_search_path(settings.harness.suites_dir)
    if resume is not None:
        try:
            info = await delivery.batch_info(resume)
        except (Unavailable, Rejected) as exc:
            raise UserError(
                f"cannot resume batch {resume!r}: {delivery.target} did not answer ({exc}); "
                "start the results service and try again"
            ) from None
        if info is None:
            raise UserError(f"batch {resume!r} not found at {delivery.target}")
        batch_id, created_at = resume, info.created_at or now_ms()
        if matrix is None:
            matrix = Matrix.from_json(info.metadata.get("matrix"), f"batch {resume!r}")
        done = _finished_keys(info.runs, resume, delivery)
        earlier = info.runs
        labels = _resumed_labels(info.metadata, labels)
        recorded = info.metadata.get("suitePath")
        if isinstance(recorded, str):
            search.append(Path(recorded).parent)  # where the batch found its suite
    if matrix is None:
        raise UserError("--suite is required (or --resume BATCH_ID)")
    suite_dir = find_suite(matrix.suite, search)
    specs, notes = expand(matrix, suite_dir)
    todo = [s for s in specs if s.key not in done]
    return BatchPlan(
        batch_id,
        created_at,
        matrix,
        suite_dir,
        todo,
        len(specs) - len(todo),
        notes,
        earlier,
        isolation=batch_isolation(settings),
        labels=labels,
    )


def batch_progress(console: Console, *extra: TextColumn) -> Progress:
    """The batch's live display: a line per run in flight and the overall bar."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        *extra,
        console=console,
        transient=True,
    )


def _resumed_labels(recorded: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The labels a batch recorded (a note given now replaces its own), with tags given
    on resume added to its own."""
    labels: dict[str, Any] = {**given}
    for name in ("git", "ci", "note"):
        if name in recorded and not (name == "note" and "note" in given):
            labels[name] = recorded[name]
    old = recorded.get("tags")
    old_tags = [str(t) for t in old] if isinstance(old, list) else []
    labels["tags"] = list(dict.fromkeys([*old_tags, *given.get("tags", [])]))
    return labels


def _status_line(record: RunRecord, spec: RunSpec, report: DeliveryReport) -> str:
    mark = "[green]✓[/]" if record.is_successful else "[red]✗[/]"
    score = (
        f"score {record.weighted_score:.2f}/10" if record.weighted_score is not None else "no score"
    )
    where = report.outcome + (f" ({report.message})" if report.message else "")
    text = f"{record.status} {record.run_id} {spec.suite}/{spec.label} {score} {where}"
    return f"{mark} {escape(text)}"


async def run_batch(
    plan: BatchPlan,
    settings: Settings,
    delivery: Delivery,
    *,
    concurrency: int = 1,
    options: RunOptions | None = None,
    console: Console | None = None,
    agent_factory: AgentFactory = _default_agent_factory,
) -> BatchRunReport:
    """Run the plan; every finished run is delivered or spooled before the next report line.

    Cancellation stops the runs in flight (their commands killed, their
    workspaces removed) and propagates; everything reported before stays stored.
    """
    console = console or Console()
    options = options or RunOptions()
    options = RunOptions(
        batch_id=plan.batch_id,
        keep_workspace=options.keep_workspace,
        timeout_s=options.timeout_s,
    )
    for name in dict.fromkeys(s.agent for s in plan.specs):
        agent_factory(name, settings)  # fail on an unknown agent before anything runs
    loaded: dict[str, LoadedScenario] = {
        name: load_scenario(plan.suite_dir, name)
        for name in dict.fromkeys(s.scenario for s in plan.specs)
    }
    runs = _BatchRuns(
        plan,
        settings,
        delivery,
        options,
        loaded,
        agent_factory,
        asyncio.Semaphore(max(concurrency, 1)),
        batch_progress(console, TextColumn("{task.fields[phase]}")),
    )
    runs.report.batch_deliveries.append(await delivery.submit_batch(_batch_in(plan)))
    if plan.specs:  # an empty progress display would still print a blank line
        with runs.progress:
            overall = runs.progress.add_task(
                f"batch {plan.batch_id}", total=len(plan.specs), phase=""
            )
            async with asyncio.TaskGroup() as group:
                for spec in plan.specs:
                    group.create_task(runs.one(spec, overall))
    done = _batch_in(plan, completed_at=now_ms())
    runs.report.batch_deliveries.append(await delivery.submit_batch(done))
    _print_summary(console, plan, runs.report.records)
    return runs.report


def _batch_in(plan: BatchPlan, completed_at: int | None = None) -> BatchIn:
    """The batch as it is announced (before the first run) and completed (after the last)."""
    return BatchIn(
        batch_id=plan.batch_id,
        created_at=plan.created_at,
        completed_at=completed_at,
        metadata=plan.metadata(),
    )


@dataclass
class _BatchRuns:
    """The runs of one batch session, as many at once as the semaphore lets through."""

    plan: BatchPlan
    settings: Settings
    delivery: Delivery
    options: RunOptions
    loaded: dict[str, LoadedScenario]
    agent_factory: AgentFactory
    semaphore: asyncio.Semaphore
    progress: Progress
    evaluators: list[Evaluator] = field(default_factory=default_evaluators)
    report: BatchRunReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = BatchRunReport(self.plan)

    async def one(self, spec: RunSpec, overall: TaskID) -> None:
        progress = self.progress
        async with self.semaphore:
            task = progress.add_task(spec.label, total=1, phase="workspace")

            def on_phase(phase: Phase) -> None:
                progress.update(task, phase=phase)

            try:
                outcome = await execute_run(
                    spec,
                    self.loaded[spec.scenario],
                    self.agent_factory(spec.agent, self.settings),
                    self.evaluators,
                    self.settings,
                    self.options,
                    on_phase=on_phase,
                )
                progress.update(task, phase="delivery")
                delivered = await self.delivery.submit_result(outcome.result)
            except Exception as exc:  # a harness bug: report it, keep the batch going
                self.report.errors.append(f"{spec.label}: {exc.__class__.__name__}: {exc}")
                progress.console.print(f"[red]harness error[/] {escape(f'{spec.label}: {exc}')}")
                return
            finally:
                progress.remove_task(task)
                progress.advance(overall)
            record = _run_record(spec, outcome, delivered)
            self.report.records.append(record)
            line = _outcome_lines(record, spec, outcome, delivered)
            progress.console.print(line, highlight=False, soft_wrap=True)


def _run_record(spec: RunSpec, outcome: RunOutcome, delivered: DeliveryReport) -> RunRecord:
    result = outcome.result
    telemetry = result.telemetry
    return RunRecord(
        agent=spec.agent,
        model=spec.model,
        run_id=result.run_id,
        status=result.status,
        is_successful=result.is_successful,
        weighted_score=result.weighted_score,
        cost_usd=telemetry.cost_usd if telemetry else None,
        wall_ms=outcome.wall_ms,
        delivery=delivered.outcome,
        command_ms=outcome.command_ms,
        suite=spec.suite,
        scenario=spec.scenario,
        tier=spec.tier,
        iteration=spec.iteration,
        tokens_in=telemetry.tokens_in if telemetry else None,
        tokens_out=telemetry.tokens_out if telemetry else None,
        failure=why_not_successful(result),
    )


def _outcome_lines(
    record: RunRecord, spec: RunSpec, outcome: RunOutcome, delivered: DeliveryReport
) -> str:
    """The run's status line, with why it failed and where its workspace was kept."""
    result = outcome.result
    line = _status_line(record, spec, delivered)
    if result.status == "failed" and result.metadata:
        error = f"{result.metadata.get('errorType')}: {result.metadata.get('error')}"
        line += f"\n    {escape(error)}"
    if outcome.kept_workspace is not None:
        line += f"\n    workspace kept at {escape(str(outcome.kept_workspace))}"
    return line


def _print_summary(console: Console, plan: BatchPlan, records: list[RunRecord]) -> None:
    """The whole batch: this session's runs and, after a resume, every run stored before."""
    table = whole_batch_table(plan.batch_id, records, plan.earlier)
    if table is not None:
        console.print(table)
