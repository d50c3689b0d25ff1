"""One run, end to end: workspace, baseline, agent, validation, diff, evaluators, scores.

Whatever fails along the way (the workspace cannot be made, the agent raises or
runs out of time, an evaluator breaks), the run still ends as a result with
status "failed" and ``metadata.error`` / ``metadata.errorType`` (workspace,
agent, timeout, evaluation), so that it is stored like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from zebench.agents.base import Agent, AgentRequest, AgentResult
from zebench.config import Settings
from zebench.evaluators.base import (
    CheckSite,
    Evaluator,
    Metric,
    RunContext,
    template_variables,
)
from zebench.evaluators.observation import Observation, observe, observe_fixture
from zebench.harness.isolation import sandbox_config
from zebench.harness.matrix import RunSpec
from zebench.harness.patch import Patch, build_patch
from zebench.harness.scoring import SCORING_VERSION, Scores, compute_scores, role
from zebench.harness.workspace import (
    copy_fixture,
    new_workspace_dir,
    release_workspace,
    remove_workspace,
)
from zebench.model.results import EvaluationIn, ResultIn, TelemetryIn
from zebench.sandbox import Sandbox, SandboxUnavailable, require_provider, using_sandbox
from zebench.suites.loader import LoadedScenario
from zebench.workspace.commands import CommandResult, command_clock, run_command
from zebench.workspace.diff import WorkspaceDiff, diff_workspace

ErrorType = Literal["workspace", "agent", "timeout", "evaluation"]
Phase = Literal["workspace", "baseline", "agent", "validation", "evaluation"]
PhaseCallback = Callable[[Phase], None]
T = TypeVar("T")
AGENT_OUTPUT_TAIL = 4000


class RunFailure(Exception):
    def __init__(self, error_type: ErrorType, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass(frozen=True)
class RunOptions:
    batch_id: str | None = None
    keep_workspace: bool = False
    timeout_s: float | None = None
    """Overrides the scenario's ``timeout_minutes`` for the agent."""
    run_id: str | None = None
    """The run's identity when the caller fixed it (a distributed batch derives it from the
    matrix cell, so that a redelivered run is stored once); a fresh one otherwise."""


@dataclass
class RunOutcome:
    result: ResultIn
    command_ms: int = 0
    """Time spent in the scenario's own commands (baseline, validation, checks)."""
    wall_ms: int = 0
    kept_workspace: Path | None = None


@dataclass
class _State:
    """What one run has gathered so far; a failure keeps whatever is here."""

    workspace: Path | None = None
    sandbox: Sandbox | None = None
    baseline: list[CommandResult] = field(default_factory=list)
    agent_result: AgentResult | None = None
    agent_ms: int | None = None
    validation: dict[str, CommandResult] = field(default_factory=dict)
    before: Observation | None = None
    after: Observation | None = None
    diff: WorkspaceDiff | None = None
    patch: Patch | None = None
    metrics: list[Metric] = field(default_factory=list)
    scores: Scores | None = None
    timings: dict[str, int] = field(default_factory=dict)


def new_run_id() -> str:
    return f"run-{uuid.uuid4().hex}"


def agent_timeout_s(loaded: LoadedScenario, settings: Settings, options: RunOptions) -> float:
    if options.timeout_s is not None:
        return options.timeout_s
    minutes = loaded.scenario.timeout_minutes or settings.run_timeout_minutes
    return minutes * 60.0


async def execute_run(
    spec: RunSpec,
    loaded: LoadedScenario,
    agent: Agent,
    evaluators: Sequence[Evaluator],
    settings: Settings,
    options: RunOptions,
    *,
    on_phase: PhaseCallback | None = None,
) -> RunOutcome:
    """Run ``spec`` and return its result; never raises for a failure of the run itself.

    Raises ``UnknownName`` before anything runs when the tier does not exist.
    Cancellation (Ctrl-C, SIGTERM) kills the commands in flight, removes the
    workspace and propagates: an unfinished run is not reported.
    """
    prompt = loaded.prompt(spec.tier)
    started_at = datetime.now(UTC)
    started = time.monotonic()
    state = _State()
    failure: RunFailure | None = None
    phase: PhaseCallback = on_phase or (lambda _: None)

    with command_clock() as clock:
        try:
            await _pipeline(
                spec, loaded, agent, evaluators, settings, options, prompt, state, phase
            )
        except RunFailure as exc:
            failure = exc
        finally:
            if state.sandbox is not None:
                await state.sandbox.cleanup()
            if state.workspace is not None and options.keep_workspace:
                release_workspace(state.workspace)
            elif state.workspace is not None:
                await asyncio.to_thread(remove_workspace, state.workspace)
    result = _result(
        spec,
        options.run_id or new_run_id(),
        options,
        loaded,
        prompt,
        state,
        failure,
        started_at,
        agent_timeout_s(loaded, settings, options),
    )
    return RunOutcome(
        result=result,
        command_ms=clock.ms,
        wall_ms=int((time.monotonic() - started) * 1000),
        kept_workspace=state.workspace if options.keep_workspace else None,
    )


async def _pipeline(
    spec: RunSpec,
    loaded: LoadedScenario,
    agent: Agent,
    evaluators: Sequence[Evaluator],
    settings: Settings,
    options: RunOptions,
    prompt: str,
    state: _State,
    phase: PhaseCallback,
) -> None:
    phase("workspace")
    mark = time.monotonic()
    workspace = await _prepare_workspace(spec, loaded, settings, state)
    sandbox = state.sandbox = await _start_sandbox(loaded, agent, settings, workspace)
    state.timings["workspaceMs"] = _ms(mark)
    # Every command of the run from here on, whoever starts it, runs in ``sandbox``.
    with using_sandbox(sandbox):
        phase("baseline")
        mark = time.monotonic()
        state.before = await _baseline(loaded, workspace, settings, spec, state.baseline)
        state.timings["baselineMs"] = _ms(mark)

        phase("agent")
        await _run_agent(spec, loaded, agent, settings, options, prompt, state, sandbox)
        try:
            state.diff = await _to_thread_to_the_end(diff_workspace, loaded.fixture_dir, workspace)
            state.patch = await _to_thread_to_the_end(
                build_patch, loaded.fixture_dir, workspace, state.diff
            )
        except OSError as exc:
            raise RunFailure("workspace", f"cannot compare the workspace: {exc}") from exc

        phase("validation")
        mark = time.monotonic()
        variables = template_variables(loaded, workspace, spec.tier, spec.agent, spec.model)
        state.after = await observe(CheckSite(loaded, workspace, settings, variables), "after")
        state.validation = state.after.validation
        state.timings["validationMs"] = _ms(mark)

        phase("evaluation")
        await _evaluate(spec, loaded, evaluators, settings, prompt, state)


async def _prepare_workspace(
    spec: RunSpec, loaded: LoadedScenario, settings: Settings, state: _State
) -> Path:
    if loaded.fixture_dir is None and not loaded.scenario.is_artifact:
        raise RunFailure(
            "workspace",
            f"{loaded.scenario_dir} has no repo-fixture/ or repo/ directory to start from",
        )
    try:
        # Known before the copy starts, so that it is removed whatever happens next.
        state.workspace = workspace = new_workspace_dir(
            settings.resolved_workspaces_dir(), f"{spec.suite}-{spec.scenario}-{spec.tier}"
        )
        if loaded.fixture_dir is not None:
            await _to_thread_to_the_end(copy_fixture, loaded.fixture_dir, workspace)
    except OSError as exc:
        raise RunFailure("workspace", f"cannot create the workspace: {exc}") from exc
    return workspace


async def _start_sandbox(
    loaded: LoadedScenario, agent: Agent, settings: Settings, workspace: Path
) -> Sandbox:
    config = sandbox_config(settings, loaded, tuple(getattr(agent, "pass_env", ())))
    try:
        return await require_provider(config).start(workspace, config)
    except (OSError, SandboxUnavailable) as exc:
        raise RunFailure("workspace", f"cannot start the sandbox: {exc}") from exc


async def _run_agent(
    spec: RunSpec,
    loaded: LoadedScenario,
    agent: Agent,
    settings: Settings,
    options: RunOptions,
    prompt: str,
    state: _State,
    sandbox: Sandbox,
) -> None:
    timeout = agent_timeout_s(loaded, settings, options)
    request = AgentRequest(
        prompt=prompt,
        workspace=sandbox.workspace,
        model=spec.model,
        oracle=dict(loaded.oracle),
        reference_path=loaded.reference_dir,
        timeout_s=timeout,
        scenario_id=loaded.id,
        sandbox=sandbox,
    )
    mark = time.monotonic()
    try:
        state.agent_result = await asyncio.wait_for(agent.run(request), timeout)
    except TimeoutError:
        state.agent_ms = _ms(mark)
        raise RunFailure(
            "timeout", f"agent {spec.agent!r} did not finish within {timeout:g} s"
        ) from None
    except Exception as exc:
        state.agent_ms = _ms(mark)
        raise RunFailure("agent", f"agent {spec.agent!r} failed: {_describe(exc)}") from exc
    state.agent_ms = _ms(mark)
    if state.agent_result.error:
        raise RunFailure("agent", state.agent_result.error)


async def _evaluate(
    spec: RunSpec,
    loaded: LoadedScenario,
    evaluators: Sequence[Evaluator],
    settings: Settings,
    prompt: str,
    state: _State,
) -> None:
    mark = time.monotonic()
    assert state.workspace is not None and state.agent_result is not None
    assert state.diff is not None
    ctx = RunContext(
        loaded=loaded,
        tier=spec.tier,
        agent=spec.agent,
        model=spec.model,
        prompt=prompt,
        workspace=state.workspace,
        settings=settings,
        agent_result=state.agent_result,
        diff=state.diff,
        baseline=state.baseline,
        validation=state.validation,
        before=state.before,
        after=state.after,
    )
    for evaluator in evaluators:
        try:
            state.metrics += await evaluator.evaluate(ctx)
        except Exception as exc:
            raise RunFailure(
                "evaluation", f"evaluator {evaluator.name!r} failed: {_describe(exc)}"
            ) from exc
    state.timings["evaluationMs"] = _ms(mark)
    state.scores = compute_scores(state.metrics, loaded.scenario.rubric_overrides.weights)


async def _to_thread_to_the_end(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` in a thread. Cancelled meanwhile, wait for the thread to finish (a thread
    cannot be stopped) before propagating, so that cleanup never races it."""
    job = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await job
        raise


async def _baseline(
    loaded: LoadedScenario,
    workspace: Path,
    settings: Settings,
    spec: RunSpec,
    results: list[CommandResult],
) -> Observation:
    variables = template_variables(loaded, workspace, spec.tier, spec.agent, spec.model)
    site = CheckSite(loaded, workspace, settings, variables)
    return await observe_fixture(site, results)


async def _command(command: str, name: str, cwd: Path, settings: Settings) -> CommandResult:
    return await run_command(
        command,
        cwd=cwd,
        timeout_s=settings.command_timeout_s,
        name=name,
        tail_chars=settings.output_tail_chars,
    )


def _ms(since: float) -> int:
    return int((time.monotonic() - since) * 1000)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _evaluation(metric: Metric, weight: float | None) -> EvaluationIn:
    details: dict[str, Any] = dict(metric.details)
    if metric.error is not None:
        # Not scored: maxScore 0 marks it, and it carried no weight.
        details["error"] = metric.error
        return EvaluationIn(
            evaluator_name=metric.name, score=0.0, max_score=0.0, details=json.dumps(details)
        )
    if weight is not None:
        details["weight"] = weight
    details["scoring"] = {
        "version": SCORING_VERSION,
        "role": role(metric),
        "gain": metric.score,
        "loss": metric.loss,
        "weakened": metric.weakened,
    }
    # A guard-only metric shows what it kept: 1 when nothing was broken.
    shown = metric.score if metric.score is not None else 1.0 - metric.loss
    if not metric.measured:
        shown = 0.0
    return EvaluationIn(
        evaluator_name=metric.name,
        score=float(shown),
        max_score=1.0 if metric.measured else 0.0,
        details=json.dumps(details),
    )


def _result(
    spec: RunSpec,
    run_id: str,
    options: RunOptions,
    loaded: LoadedScenario,
    prompt: str,
    state: _State,
    failure: RunFailure | None,
    started_at: datetime,
    timeout_s: float,
) -> ResultIn:
    metadata: dict[str, Any] = {
        "iteration": spec.iteration,
        "title": loaded.scenario.title,
        "agentTimeoutS": timeout_s,
        "baseline": [c.to_json() for c in state.baseline],
        "validation": {step: c.to_json() for step, c in state.validation.items()},
        "timingsMs": state.timings,
        "scoringVersion": SCORING_VERSION,
    }
    if state.before is not None:
        metadata["validationBefore"] = {
            step: c.to_json() for step, c in state.before.validation.items()
        }
    if state.sandbox is not None:
        metadata["isolation"] = state.sandbox.isolation()
    if state.diff is not None:
        diff = state.diff.to_json()
        metadata["filesChanged"] = {
            "added": diff["filesAdded"],
            "modified": diff["filesModified"],
            "deleted": diff["filesDeleted"],
        }
        metadata["dependencyChanges"] = diff["dependencyChanges"]
    if state.patch is not None:
        metadata["diffSummary"] = state.patch.to_json()
        metadata["diffPatch"] = state.patch.text
    if state.agent_result is not None and state.agent_result.output:
        metadata["agentOutputTail"] = state.agent_result.output[-AGENT_OUTPUT_TAIL:]
    if options.keep_workspace and state.workspace is not None:
        metadata["keptWorkspace"] = str(state.workspace)
    if failure is not None:
        metadata["error"] = failure.message
        metadata["errorType"] = failure.error_type

    scores = state.scores if failure is None else None
    weights = scores.weights if scores is not None else {}
    if scores is not None:
        metadata["weights"] = weights
        metadata["scoring"] = scores.to_json()
    agent_result = state.agent_result
    usage = agent_result.usage if agent_result is not None else None
    transcript: dict[str, Any] | None = None
    if agent_result is not None:
        transcript = {"messages": agent_result.transcript, "output": agent_result.output}
    return ResultIn(
        run_id=run_id,
        batch_id=options.batch_id,
        suite=spec.suite,
        scenario=spec.scenario,
        tier=spec.tier,
        agent=spec.agent,
        model=(agent_result.model if agent_result and agent_result.model else spec.model),
        status="failed" if failure is not None else "completed",
        started_at=started_at,
        completed_at=datetime.now(UTC),
        total_score=scores.total_score if scores else None,
        weighted_score=scores.weighted_score if scores else None,
        is_successful=bool(scores and scores.is_successful),
        success_metric=scores.success_metric if scores else None,
        metadata=metadata,
        evaluations=[_evaluation(m, weights.get(m.name)) for m in state.metrics],
        telemetry=TelemetryIn(
            tool_calls=usage.tool_calls if usage else 0,
            tokens_in=usage.tokens_in if usage else 0,
            tokens_out=usage.tokens_out if usage else 0,
            cost_usd=usage.cost_usd if usage else None,
            duration_ms=state.agent_ms,
            workspace_dir=str(state.workspace) if state.workspace else None,
            prompt_sent=prompt,
        ),
        transcript=transcript,
    )
