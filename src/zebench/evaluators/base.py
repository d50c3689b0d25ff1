"""The evaluator extension point: what an evaluator sees of a run and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from zebench.agents.base import AgentResult
from zebench.config import Settings
from zebench.harness.commands import CommandResult
from zebench.harness.diff import WorkspaceDiff
from zebench.suites.loader import LoadedScenario


@dataclass(frozen=True)
class Metric:
    """One scored aspect of a run, keyed by the metric name used in rubric weights.

    ``score`` is in 0..1. ``None`` means the metric could not be evaluated (a
    judge that failed, say): it is stored with its ``error`` and carries no
    weight, instead of counting as a zero.
    """

    name: str
    score: float | None
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


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

    def template_variables(self) -> dict[str, str]:
        loaded = self.loaded
        return {
            "workspace": str(self.workspace),
            "fixture": str(loaded.fixture_dir or ""),
            "scenario_dir": str(loaded.scenario_dir),
            "suite_dir": str(loaded.suite_dir),
            "suite": loaded.suite,
            "scenario": loaded.id,
            "tier": self.tier,
            "agent": self.agent,
            "model": self.model or "",
        }


@runtime_checkable
class Evaluator(Protocol):
    name: str

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        """Metrics for this run; an empty list when the evaluator does not apply.

        Raise only for a fault of the evaluator itself: the run is then stored
        as failed with ``errorType: evaluation``.
        """
        ...
