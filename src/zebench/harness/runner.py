"""One run, end to end: workspace, baseline, agent, validation, diff, evaluators, scores.

Whatever fails along the way (the workspace cannot be made, the agent raises or
runs out of time, an evaluator breaks), the run still ends as a result with
status "failed" and ``metadata.error`` / ``metadata.errorType`` (workspace,
agent, timeout, evaluation), so that it is stored like any other. The steps are
in ``run_steps``, the result they make in ``run_result``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from zebench.agents.base import Agent
from zebench.config import Settings
from zebench.evaluators.base import Evaluator
from zebench.harness import run_steps as steps
from zebench.harness.matrix import RunSpec
from zebench.harness.run_result import run_result
from zebench.harness.run_state import RunFailure, RunInputs, RunOptions, RunState
from zebench.harness.workspace import release_workspace, remove_workspace
from zebench.model.results import ResultIn
from zebench.sandbox import using_sandbox
from zebench.suites.loader import LoadedScenario
from zebench.workspace.commands import command_clock

Phase = Literal["workspace", "baseline", "agent", "validation", "evaluation"]
PhaseCallback = Callable[[Phase], None]


@dataclass
class RunOutcome:
    result: ResultIn
    command_ms: int = 0
    """Time spent in the scenario's own commands (baseline, validation, checks)."""
    wall_ms: int = 0
    kept_workspace: Path | None = None


def new_run_id() -> str:
    return f"run-{uuid.uuid4().hex}"


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
    run = RunInputs(spec, loaded, agent, evaluators, settings, options, loaded.prompt(spec.tier))
    started_at = datetime.now(UTC)
    started = time.monotonic()
    state = RunState()
    failure: RunFailure | None = None

    with command_clock() as clock:
        try:
            await _pipeline(run, state, on_phase or (lambda _: None))
        except RunFailure as exc:
            failure = exc
        finally:
            await _clean_up(state, options.keep_workspace)
    result = run_result(run, options.run_id or new_run_id(), state, failure, started_at)
    return RunOutcome(
        result=result,
        command_ms=clock.ms,
        wall_ms=steps.ms_since(started),
        kept_workspace=state.workspace if options.keep_workspace else None,
    )


async def _pipeline(run: RunInputs, state: RunState, phase: PhaseCallback) -> None:
    phase("workspace")
    mark = time.monotonic()
    workspace = await steps.prepare_workspace(run, state)
    sandbox = state.sandbox = await steps.start_sandbox(run, workspace)
    state.timings["workspaceMs"] = steps.ms_since(mark)
    # Every command of the run from here on, whoever starts it, runs in ``sandbox``.
    with using_sandbox(sandbox):
        phase("baseline")
        await steps.baseline(run, workspace, state)
        phase("agent")
        await steps.run_agent(run, state, sandbox)
        await steps.compare_workspace(run, workspace, state)
        phase("validation")
        await steps.validate(run, workspace, state)
        phase("evaluation")
        await steps.evaluate(run, state)


async def _clean_up(state: RunState, keep_workspace: bool) -> None:
    if state.sandbox is not None:
        await state.sandbox.cleanup()
    if state.workspace is not None and keep_workspace:
        release_workspace(state.workspace)
    elif state.workspace is not None:
        await asyncio.to_thread(remove_workspace, state.workspace)
