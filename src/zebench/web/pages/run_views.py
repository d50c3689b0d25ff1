"""The typed runs of ``zebench.service.runs`` as the pages show them: table rows
(keyed by the columns' names, which the exports' headers follow; times in epoch ms)
and the parts of the run page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic.alias_generators import to_camel

from zebench.jsontext import json_object
from zebench.model.runs import EvaluationRow, RunRow, TelemetryRow
from zebench.service.run_details import failure_of, json_document
from zebench.service.runs import RunEvidence, RunList


@dataclass(frozen=True)
class ShownRuns:
    """One page of a runs table and how many runs match in all."""

    rows: list[dict[str, Any]]
    total: int


def run_row(run: RunRow, tele: TelemetryRow | None) -> dict[str, Any]:
    failure = failure_of(run.status, json_object(run.metadata))
    return {
        "runId": run.run_id,
        "batchId": run.batch_id,
        "suite": run.suite,
        "scenario": run.scenario,
        "tier": run.tier,
        "agent": run.agent,
        "model": run.model,
        "status": run.status,
        "isSuccessful": bool(run.is_successful),
        "startedAt": run.started_at,
        "completedAt": run.completed_at,
        "totalScore": run.total_score,
        "weightedScore": run.weighted_score,
        "costUsd": tele.cost_usd if tele else None,
        "durationMs": tele.duration_ms if tele else None,
        "tokensIn": tele.tokens_in if tele else None,
        "tokensOut": tele.tokens_out if tele else None,
        "toolCalls": tele.tool_calls if tele else None,
        "error": failure.message if failure else None,
        "errorKind": failure.kind if failure else None,
    }


def run_rows_of(listed: RunList) -> list[dict[str, Any]]:
    """The listed runs as table rows (``listed`` read ``with_telemetry``)."""
    return [run_row(run, listed.telemetry.get(run.run_id)) for run in listed.runs]


def shown_runs(listed: RunList) -> ShownRuns:
    """A counted page of runs (``count`` and ``with_telemetry``) as a table's page."""
    assert listed.total is not None, "the pages count the runs they list"
    return ShownRuns(run_rows_of(listed), listed.total)


@dataclass(frozen=True)
class EvaluationView:
    evaluator_name: str
    score: float
    max_score: float
    details_text: str | None
    details_json: Any
    """The details parsed, when they are a JSON object or array; None otherwise."""

    @property
    def ratio(self) -> float | None:
        return self.score / self.max_score if self.max_score else None


def evaluation_view(e: EvaluationRow) -> EvaluationView:
    details = e.details
    parsed = json_document(details) if details and details[:1] in "{[" else None
    return EvaluationView(e.evaluator_name, e.score, e.max_score, details, parsed)


def telemetry_view(tele: TelemetryRow | None) -> dict[str, Any] | None:
    """The figures, camelCased as the columns name them (without the row's ids)."""
    if tele is None:
        return None
    figures = tele._asdict()
    return {to_camel(name): figures[name] for name in TelemetryRow._fields[2:]}


def run_parts(evidence: RunEvidence) -> dict[str, Any]:
    """What the run page shows beside the evidence: the run as a row (with its success
    metric), its telemetry, its specialist and its evaluations."""
    result = evidence.result
    run = result.run
    specialist = None
    if run.specialist_enabled or run.specialist_name:
        specialist = {"name": run.specialist_name, "version": run.specialist_version}
    return {
        "run": {**run_row(run, result.telemetry), "successMetric": run.success_metric},
        "telemetry": telemetry_view(result.telemetry),
        "specialist": specialist,
        "evaluations": [evaluation_view(e) for e in result.evaluations],
    }


def run_document(evidence: RunEvidence) -> dict[str, Any]:
    """The run page's JSON export."""
    parts = run_parts(evidence)
    return {
        "run": parts["run"],
        "metadata": evidence.metadata,
        "evaluations": [
            {
                "evaluatorName": e.evaluator_name,
                "score": e.score,
                "maxScore": e.max_score,
                "details": e.details_text,
            }
            for e in parts["evaluations"]
        ],
        "telemetry": parts["telemetry"],
        "transcript": evidence.transcript_raw,
    }
