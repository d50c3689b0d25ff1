"""What travels through the broker: one run of a batch, and how its identity is made."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from zebench.harness.matrix import RunKey, RunSpec

TASK_NAME = "zebench.run"
PAYLOAD_VERSION = 1


class TaskError(ValueError):
    """A message that is not a run task of this version."""


def run_id_for(batch_id: str, key: RunKey, attempt: int) -> str:
    """The runId of one attempt at one matrix cell of a batch.

    Every delivery of the same task, on whatever worker, computes the same id,
    and the results service stores a runId once: that makes redelivery harmless.
    A resumed batch re-runs a failed cell as the next attempt (a new id).
    """
    digest = hashlib.sha256(json.dumps([batch_id, *key, attempt]).encode()).hexdigest()
    return f"run-{digest[:32]}"


@dataclass(frozen=True)
class SuiteRef:
    name: str
    sha256: str
    inline: str | None = None
    """The bundle itself (base64) when it is small; otherwise workers fetch it by hash."""


@dataclass(frozen=True)
class RunTask:
    batch_id: str
    run_id: str
    spec: RunSpec
    suite: SuiteRef
    attempt: int = 1
    cells: int = 1
    """Matrix cells in the batch: the worker that sees them all stored completes the batch."""
    timeout_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "version": PAYLOAD_VERSION,
            "batchId": self.batch_id,
            "runId": self.run_id,
            "attempt": self.attempt,
            "cells": self.cells,
            "timeoutS": self.timeout_s,
            "run": {
                "suite": spec.suite,
                "scenario": spec.scenario,
                "tier": spec.tier,
                "agent": spec.agent,
                "model": spec.model,
                "iteration": spec.iteration,
            },
            "bundle": {
                "suite": self.suite.name,
                "sha256": self.suite.sha256,
                "inline": self.suite.inline,
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> RunTask:
        try:
            if data["version"] != PAYLOAD_VERSION:
                raise TaskError(f"payload version {data['version']!r}, expected {PAYLOAD_VERSION}")
            run, bundle = data["run"], data["bundle"]
            model = run.get("model")
            timeout = data.get("timeoutS")
            return cls(
                batch_id=str(data["batchId"]),
                run_id=str(data["runId"]),
                spec=RunSpec(
                    suite=str(run["suite"]),
                    scenario=str(run["scenario"]),
                    tier=str(run["tier"]),
                    agent=str(run["agent"]),
                    model=None if model is None else str(model),
                    iteration=int(run["iteration"]),
                ),
                suite=SuiteRef(
                    name=str(bundle["suite"]),
                    sha256=str(bundle["sha256"]),
                    inline=bundle.get("inline"),
                ),
                attempt=int(data.get("attempt", 1)),
                cells=int(data.get("cells", 1)),
                timeout_s=None if timeout is None else float(timeout),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, TaskError):
                raise
            raise TaskError(f"not a run task: {exc.__class__.__name__}: {exc}") from None
