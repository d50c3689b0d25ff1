"""What one run is given, what it gathers as it goes, and how it fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from zebench.agents.base import Agent, AgentResult
from zebench.config import Settings
from zebench.evaluators.base import Evaluator, Metric
from zebench.evaluators.observation import Observation
from zebench.harness.matrix import RunSpec
from zebench.harness.patch import Patch
from zebench.harness.scoring import Scores
from zebench.sandbox import Sandbox
from zebench.suites.loader import LoadedScenario
from zebench.workspace.commands import CommandResult
from zebench.workspace.diff import WorkspaceDiff

ErrorType = Literal["workspace", "agent", "timeout", "evaluation"]


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


@dataclass(frozen=True)
class RunInputs:
    """Everything one run is given."""

    spec: RunSpec
    loaded: LoadedScenario
    agent: Agent
    evaluators: Sequence[Evaluator]
    settings: Settings
    options: RunOptions
    prompt: str

    @property
    def agent_timeout_s(self) -> float:
        if self.options.timeout_s is not None:
            return self.options.timeout_s
        minutes = self.loaded.scenario.timeout_minutes or self.settings.harness.run_timeout_minutes
        return minutes * 60.0


@dataclass
class RunState:
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
