"""The evaluator extension point: what an evaluator sees of a run and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from zebench.agents.base import AgentResult
from zebench.config import Settings
from zebench.suites.loader import LoadedScenario
from zebench.workspace.commands import CommandResult
from zebench.workspace.diff import WorkspaceDiff

if TYPE_CHECKING:
    from zebench.evaluators.observation import Observation


@dataclass(frozen=True)
class Metric:
    """One scored aspect of a run, keyed by the metric name used in rubric weights.

    ``score`` is the gain in 0..1: the share of what failed on the untouched fixture
    that the agent fixed (for the judge, its verdict). ``None`` with an ``error``
    means the metric could not be evaluated (a judge that failed, say): it is stored
    with its error and carries no weight, instead of counting as a zero. ``None``
    without an error means nothing failed before: the metric only guards (``loss``).
    """

    name: str
    score: float | None
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    loss: float = 0.0
    """0..1: the share of the metric's measured weight the agent broke."""
    weakened: int = 0
    """Tests the fixture had that are gone, skipped or xfailed afterwards."""
    measured: bool = True
    """False when nothing of it could be measured (every command failed to start)."""


@dataclass(frozen=True)
class CheckSite:
    """Where checks run: a workspace of a scenario, before or after the agent."""

    loaded: LoadedScenario
    workspace: Path
    settings: Settings
    variables: dict[str, str] = field(default_factory=dict)
    """Template variables for script arguments (``${workspace}``, ``${fixture}``...)."""
    validation: dict[str, CommandResult] = field(default_factory=dict)
    """Validation results of the same workspace state, reused by identical command checks."""

    def template_variables(self) -> dict[str, str]:
        return {**self.variables, "workspace": str(self.workspace)}


def template_variables(
    loaded: LoadedScenario, workspace: Path, tier: str, agent: str, model: str | None
) -> dict[str, str]:
    # Absolute: scripts run in the workspace, whatever directory zebench started in.
    return {
        "workspace": str(workspace),
        "fixture": str(loaded.fixture_dir.resolve()) if loaded.fixture_dir else "",
        "scenario_dir": str(loaded.scenario_dir.resolve()),
        "suite_dir": str(loaded.suite_dir.resolve()),
        "suite": loaded.suite,
        "scenario": loaded.id,
        "tier": tier,
        "agent": agent,
        "model": model or "",
    }


@dataclass(frozen=True)
class RunContext:
    """Everything known about a run once the agent and the validation commands finished."""

    loaded: LoadedScenario
    tier: str
    agent: str
    model: str | None
    prompt: str
    workspace: Path
    settings: Settings
    agent_result: AgentResult
    diff: WorkspaceDiff
    baseline: list[CommandResult] = field(default_factory=list)
    validation: dict[str, CommandResult] = field(default_factory=dict)
    """Validation step (install, test, lint, typecheck, build) -> its result."""
    before: Observation | None = None
    """Checks, validation commands and tests on the untouched fixture."""
    after: Observation | None = None
    """The same after the agent ran."""

    def template_variables(self) -> dict[str, str]:
        return template_variables(self.loaded, self.workspace, self.tier, self.agent, self.model)


@runtime_checkable
class Evaluator(Protocol):
    name: str

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        """Metrics for this run; an empty list when the evaluator does not apply.

        Raise only for a fault of the evaluator itself: the run is then stored
        as failed with ``errorType: evaluation``.
        """
        ...
