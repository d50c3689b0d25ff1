"""Runs, evaluations and telemetry as the original Worker answered them.

The functions build the bodies (plain dicts, unpacked from the typed records in
one step: a long list builds thousands); the models below document the same
shapes in OpenAPI under the original's names. Names and nullability follow the
original contract: ``metadata`` is the JSON text stored (its dashboard
``JSON.parse``s it), times are ISO 8601 in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field

from zebench.jsontext import parse_json_text
from zebench.model.runs import EvaluationRow, RunRow, StoredResult, TelemetryRow
from zebench.model.time import to_iso

MetadataForm = Literal["text", "object"]
"""How a run's ``metadata`` is answered: ``text``, the JSON text stored (the original
Worker's type), or ``object``, parsed."""


def run_json(run: RunRow, metadata_form: MetadataForm = "text") -> dict[str, Any]:
    (
        id_, run_id, batch_id, suite, scenario, tier, agent, model, status, started_at,
        completed_at, total_score, weighted_score, is_successful, success_metric,
        specialist_enabled, specialist_name, specialist_version, metadata,
    ) = run  # fmt: skip
    return {
        "id": id_,
        "runId": run_id,
        "batchId": batch_id,
        "suite": suite,
        "scenario": scenario,
        "tier": tier,
        "agent": agent,
        "model": model,
        "status": status,
        "startedAt": to_iso(started_at),
        "completedAt": to_iso(completed_at),
        "totalScore": total_score,
        "weightedScore": weighted_score,
        "isSuccessful": bool(is_successful),
        "successMetric": success_metric,
        "metadata": metadata if metadata_form == "text" else parse_json_text(metadata),
        "specialistEnabled": bool(specialist_enabled),
        "specialistName": specialist_name,
        "specialistVersion": specialist_version,
    }


def runs_json(
    listed: Iterable[RunRow], metadata_form: MetadataForm = "text"
) -> list[dict[str, Any]]:
    return [run_json(run, metadata_form) for run in listed]


def evaluation_json(evaluation: EvaluationRow) -> dict[str, Any]:
    id_, run_id, evaluator_name, score, max_score, details, created_at = evaluation
    return {
        "id": id_,
        "runId": run_id,
        "evaluatorName": evaluator_name,
        "score": score,
        "maxScore": max_score,
        "details": details,
        "createdAt": to_iso(created_at),
    }


def telemetry_json(tele: TelemetryRow | None) -> dict[str, Any] | None:
    if tele is None:
        return None
    return {
        "id": tele.id,
        "runId": tele.run_id,
        "toolCalls": tele.tool_calls,
        "tokensIn": tele.tokens_in,
        "tokensOut": tele.tokens_out,
        "costUsd": tele.cost_usd,
        "durationMs": tele.duration_ms,
        "workspaceDir": tele.workspace_dir,
        "promptSent": tele.prompt_sent,
    }


def record_json(record: StoredResult, metadata_form: MetadataForm = "text") -> dict[str, Any]:
    """``{run, evaluations, telemetry}``."""
    return {
        "run": run_json(record.run, metadata_form),
        "evaluations": [evaluation_json(e) for e in record.evaluations],
        "telemetry": telemetry_json(record.telemetry),
    }


# --- what OpenAPI says of them ------------------------------------------------------


class Run(BaseModel):
    id: int
    runId: str
    batchId: str | None
    suite: str
    scenario: str
    tier: str
    agent: str
    model: str | None
    status: str
    startedAt: str = Field(description="ISO 8601, UTC")
    completedAt: str | None
    totalScore: float | None
    weightedScore: float | None
    isSuccessful: bool
    successMetric: float | None
    metadata: Any = Field(
        description="the JSON text stored (a string, as the original answered it), or null; "
        "the JSON object itself with `?metadataFormat=object`"
    )
    specialistEnabled: bool
    specialistName: str | None
    specialistVersion: str | None


class Evaluation(BaseModel):
    id: int
    runId: str
    evaluatorName: str
    score: float
    maxScore: float
    details: str | None
    createdAt: str = Field(description="ISO 8601, UTC")


class Telemetry(BaseModel):
    id: int
    runId: str
    toolCalls: int | None
    tokensIn: int | None
    tokensOut: int | None
    costUsd: float | None
    durationMs: int | None
    workspaceDir: str | None
    promptSent: str | None


class RunDetail(BaseModel):
    run: Run
    evaluations: list[Evaluation]
    telemetry: Telemetry | None
