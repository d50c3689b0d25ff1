"""A run's result as it is stored: what the run gathered, its scores, or why it failed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from zebench.evaluators.base import Metric
from zebench.harness.run_state import RunFailure, RunInputs, RunState
from zebench.harness.scoring import SCORING_VERSION, role
from zebench.model.results import EvaluationIn, ResultIn, TelemetryIn

AGENT_OUTPUT_TAIL = 4000


def run_result(
    run: RunInputs,
    run_id: str,
    state: RunState,
    failure: RunFailure | None,
    started_at: datetime,
) -> ResultIn:
    metadata = _metadata(run, state, failure)
    scores = state.scores if failure is None else None
    weights = scores.weights if scores is not None else {}
    if scores is not None:
        metadata["weights"] = weights
        metadata["scoring"] = scores.to_json()
    spec, agent_result = run.spec, state.agent_result
    transcript: dict[str, Any] | None = None
    if agent_result is not None:
        transcript = {"messages": agent_result.transcript, "output": agent_result.output}
    return ResultIn(
        run_id=run_id,
        batch_id=run.options.batch_id,
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
        telemetry=_telemetry(run, state),
        transcript=transcript,
    )


def _metadata(run: RunInputs, state: RunState, failure: RunFailure | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "iteration": run.spec.iteration,
        "title": run.loaded.scenario.title,
        "agentTimeoutS": run.agent_timeout_s,
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
    if run.options.keep_workspace and state.workspace is not None:
        metadata["keptWorkspace"] = str(state.workspace)
    if failure is not None:
        metadata["error"] = failure.message
        metadata["errorType"] = failure.error_type
    return metadata


def _telemetry(run: RunInputs, state: RunState) -> TelemetryIn:
    usage = state.agent_result.usage if state.agent_result is not None else None
    return TelemetryIn(
        tool_calls=usage.tool_calls if usage else 0,
        tokens_in=usage.tokens_in if usage else 0,
        tokens_out=usage.tokens_out if usage else 0,
        cost_usd=usage.cost_usd if usage else None,
        duration_ms=state.agent_ms,
        workspace_dir=str(state.workspace) if state.workspace else None,
        prompt_sent=run.prompt,
    )


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
