"""What a batch runs: the matrix of scenarios x tiers x agents x models x iterations.

A run's identity within a batch is (suite, scenario, tier, agent, model,
iteration); the first five are columns of the stored run, the iteration is in
its metadata. Resuming a batch compares identities, not runIds.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zebench.errors import UserError
from zebench.suites import UnknownName, list_scenarios, list_tiers

RunKey = tuple[str, str, str, str, str, int]


@dataclass(frozen=True)
class RunSpec:
    suite: str
    scenario: str
    tier: str
    agent: str
    model: str | None
    iteration: int = 1

    @property
    def key(self) -> RunKey:
        return (self.suite, self.scenario, self.tier, self.agent, self.model or "", self.iteration)

    @property
    def label(self) -> str:
        model = f" ({self.model})" if self.model else ""
        return f"{self.scenario} {self.tier} {self.agent}{model} #{self.iteration}"


@dataclass(frozen=True)
class Matrix:
    suite: str
    scenarios: tuple[str, ...] = ("*",)
    """Scenario names or globs."""
    tiers: tuple[str, ...] | None = None
    """None: every tier each scenario has."""
    agents: tuple[str, ...] = ("echo",)
    models: tuple[str | None, ...] = (None,)
    """None: the agent's default model."""
    iterations: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "scenarios": list(self.scenarios),
            "tiers": list(self.tiers) if self.tiers is not None else None,
            "agents": list(self.agents),
            "models": list(self.models),
            "iterations": self.iterations,
        }

    @classmethod
    def from_json(cls, data: Any, origin: str) -> Matrix:
        """The matrix a batch recorded in its metadata; ``origin`` names it in errors."""
        try:
            tiers = data.get("tiers")
            matrix = cls(
                suite=str(data["suite"]),
                scenarios=tuple(str(s) for s in data.get("scenarios") or ["*"]),
                tiers=tuple(str(t) for t in tiers) if tiers else None,
                agents=tuple(str(a) for a in data["agents"]),
                models=tuple(None if m is None else str(m) for m in data.get("models") or [None]),
                iterations=int(data.get("iterations", 1)),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise UserError(
                f"{origin}: metadata.matrix is not a batch matrix ({exc.__class__.__name__}: "
                f"{exc}); give --suite and --agent to resume it"
            ) from None
        if not matrix.agents or matrix.iterations < 1:
            raise UserError(f"{origin}: metadata.matrix names no agent or no iteration")
        return matrix


def select_scenarios(suite_dir: Path, patterns: tuple[str, ...]) -> list[str]:
    available = list_scenarios(suite_dir)
    chosen: list[str] = []
    for pattern in patterns:
        matched = [name for name in available if fnmatch.fnmatchcase(name, pattern)]
        if not matched:
            known = ", ".join(available) or "none"
            raise UnknownName(
                f"no scenario matches {pattern!r} in suite {suite_dir.name!r}; scenarios: {known}"
            )
        chosen += [name for name in matched if name not in chosen]
    return chosen


def expand(matrix: Matrix, suite_dir: Path) -> tuple[list[RunSpec], list[str]]:
    """Every run of the matrix, and notes on requested tiers some scenarios lack.

    A requested tier no selected scenario has is an error listing the tiers that exist.
    """
    specs: list[RunSpec] = []
    notes: list[str] = []
    missing: list[str] = []
    for scenario in select_scenarios(suite_dir, matrix.scenarios):
        available = list(list_tiers(suite_dir, scenario))
        tiers = list(matrix.tiers) if matrix.tiers is not None else available
        for tier in tiers:
            if tier not in available:
                known = ", ".join(available) or "none"
                missing.append(f"{matrix.suite}/{scenario} has no tier {tier!r} (tiers: {known})")
                continue
            for agent in matrix.agents:
                for model in matrix.models:
                    for iteration in range(1, matrix.iterations + 1):
                        specs.append(RunSpec(matrix.suite, scenario, tier, agent, model, iteration))
    if not specs:
        raise UnknownName("; ".join(missing) or f"nothing to run in suite {matrix.suite!r}")
    notes += [f"skipped: {m}" for m in missing]
    return specs, notes
