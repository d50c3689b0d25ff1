"""The steps of one run, in order: workspace, sandbox, baseline, agent, workspace
comparison, validation, evaluators. Each records what it found in the run's state
and raises ``RunFailure`` when the run cannot go on."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from zebench.agents.base import AgentRequest
from zebench.evaluators.base import CheckSite, RunContext, template_variables
from zebench.evaluators.observation import observe, observe_fixture
from zebench.harness.isolation import sandbox_config
from zebench.harness.patch import build_patch
from zebench.harness.run_state import RunFailure, RunInputs, RunState
from zebench.harness.scoring import compute_scores
from zebench.harness.workspace import copy_fixture, new_workspace_dir
from zebench.sandbox import Sandbox, SandboxUnavailable, require_provider
from zebench.workspace.diff import diff_workspace

T = TypeVar("T")


async def prepare_workspace(run: RunInputs, state: RunState) -> Path:
    loaded, spec = run.loaded, run.spec
    if loaded.fixture_dir is None and not loaded.scenario.is_artifact:
        raise RunFailure(
            "workspace",
            f"{loaded.scenario_dir} has no repo-fixture/ or repo/ directory to start from",
        )
    try:
        # Known before the copy starts, so that it is removed whatever happens next.
        state.workspace = workspace = new_workspace_dir(
            run.settings.harness.workspaces_dir, f"{spec.suite}-{spec.scenario}-{spec.tier}"
        )
        if loaded.fixture_dir is not None:
            await _to_thread_to_the_end(copy_fixture, loaded.fixture_dir, workspace)
    except OSError as exc:
        raise RunFailure("workspace", f"cannot create the workspace: {exc}") from exc
    return workspace


async def start_sandbox(run: RunInputs, workspace: Path) -> Sandbox:
    config = sandbox_config(run.settings, run.loaded, tuple(getattr(run.agent, "pass_env", ())))
    try:
        return await require_provider(config).start(workspace, config)
    except (OSError, SandboxUnavailable) as exc:
        raise RunFailure("workspace", f"cannot start the sandbox: {exc}") from exc


async def baseline(run: RunInputs, workspace: Path, state: RunState) -> None:
    mark = time.monotonic()
    state.before = await observe_fixture(_check_site(run, workspace), state.baseline)
    state.timings["baselineMs"] = ms_since(mark)


async def run_agent(run: RunInputs, state: RunState, sandbox: Sandbox) -> None:
    spec, timeout = run.spec, run.agent_timeout_s
    request = AgentRequest(
        prompt=run.prompt,
        workspace=sandbox.workspace,
        model=spec.model,
        oracle=dict(run.loaded.oracle),
        reference_path=run.loaded.reference_dir,
        timeout_s=timeout,
        scenario_id=run.loaded.id,
        sandbox=sandbox,
    )
    mark = time.monotonic()
    try:
        state.agent_result = await asyncio.wait_for(run.agent.run(request), timeout)
    except TimeoutError:
        state.agent_ms = ms_since(mark)
        raise RunFailure(
            "timeout", f"agent {spec.agent!r} did not finish within {timeout:g} s"
        ) from None
    except Exception as exc:
        state.agent_ms = ms_since(mark)
        raise RunFailure("agent", f"agent {spec.agent!r} failed: {_describe(exc)}") from exc
    state.agent_ms = ms_since(mark)
    if state.agent_result.error:
        raise RunFailure("agent", state.agent_result.error)


async def compare_workspace(run: RunInputs, workspace: Path, state: RunState) -> None:
    """The agent's changes to the fixture: the diff and the patch."""
    fixture = run.loaded.fixture_dir
    try:
        state.diff = await _to_thread_to_the_end(diff_workspace, fixture, workspace)
        state.patch = await _to_thread_to_the_end(build_patch, fixture, workspace, state.diff)
    except OSError as exc:
        raise RunFailure("workspace", f"cannot compare the workspace: {exc}") from exc


async def validate(run: RunInputs, workspace: Path, state: RunState) -> None:
    mark = time.monotonic()
    state.after = await observe(_check_site(run, workspace), "after")
    state.validation = state.after.validation
    state.timings["validationMs"] = ms_since(mark)


async def evaluate(run: RunInputs, state: RunState) -> None:
    mark = time.monotonic()
    assert state.workspace is not None and state.agent_result is not None
    assert state.diff is not None
    ctx = RunContext(
        loaded=run.loaded,
        tier=run.spec.tier,
        agent=run.spec.agent,
        model=run.spec.model,
        prompt=run.prompt,
        workspace=state.workspace,
        settings=run.settings,
        agent_result=state.agent_result,
        diff=state.diff,
        baseline=state.baseline,
        validation=state.validation,
        before=state.before,
        after=state.after,
    )
    for evaluator in run.evaluators:
        try:
            state.metrics += await evaluator.evaluate(ctx)
        except Exception as exc:
            raise RunFailure(
                "evaluation", f"evaluator {evaluator.name!r} failed: {_describe(exc)}"
            ) from exc
    state.timings["evaluationMs"] = ms_since(mark)
    state.scores = compute_scores(state.metrics, run.loaded.scenario.rubric_overrides.weights)


def ms_since(mark: float) -> int:
    return int((time.monotonic() - mark) * 1000)


def _check_site(run: RunInputs, workspace: Path) -> CheckSite:
    spec = run.spec
    variables = template_variables(run.loaded, workspace, spec.tier, spec.agent, spec.model)
    return CheckSite(run.loaded, workspace, run.settings, variables)


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


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
