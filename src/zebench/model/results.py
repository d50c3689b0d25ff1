"""What a benchmark run is as the harness reports it: the result, its evaluations and
telemetry, and a batch's own fields.

These are the types every layer shares (the harness builds them, delivery sends
them, the service stores them); the API accepts them as its request bodies, in
the original contract's camelCase. They validate strictly (the bounds of
``zebench.bounds``, shared by every way in) and name the field at fault.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from zebench.bounds import (
    REAL_LIMIT,
    Count,
    Count32,
    EpochMs,
    Identifier,
    ModelName,
    Name,
    OptionalName,
    Real,
    Text,
    Tier,
    Time,
    Version,
    check_json,
)

JsonObject = Annotated[dict[str, Any], AfterValidator(check_json)]
JsonDocument = Annotated[dict[str, Any] | list[Any], AfterValidator(check_json)]


class CamelModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        allow_inf_nan=False,
        extra="ignore",
    )


class EvaluationIn(CamelModel):
    evaluator_name: Name
    score: Real
    max_score: Real
    details: Text | None = None
    created_at: Time | None = None
    """When the evaluation was recorded; the server's receive time when absent. Imports
    and sync send the original time so per-day evaluator trends stay true. Not part of
    the content hash: it describes delivery, not the result."""

    @field_validator("details", mode="before")
    @classmethod
    def _details_as_text(cls, value: Any) -> Any:
        # The original harness sometimes sent structured details; keep them as JSON text.
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, sort_keys=True)

    @field_validator("max_score")
    @classmethod
    def _ratio_in_range(cls, max_score: float, info: ValidationInfo) -> float:
        # The statistics keep score / maxScore per evaluator; it must stay finite.
        score = info.data.get("score")
        if score is not None and max_score and abs(score / max_score) > REAL_LIMIT:
            raise ValueError(f"score / maxScore must be between -{REAL_LIMIT:g} and {REAL_LIMIT:g}")
        return max_score


class TelemetryIn(CamelModel):
    tool_calls: Count32 | None = None
    tokens_in: Count | None = None
    tokens_out: Count | None = None
    cost_usd: Real | None = Field(default=None, ge=0)
    duration_ms: Count | None = None
    workspace_dir: Text | None = None
    prompt_sent: Text | None = None


class ResultIn(CamelModel):
    """One benchmark run as POSTed to /api/results (the original contract, plus a transcript)."""

    run_id: Identifier
    batch_id: Identifier | None = None
    suite: Name
    scenario: Name
    tier: Tier
    agent: Name
    model: ModelName | None = None
    status: Literal["completed", "failed"]
    started_at: Time
    completed_at: Time | None = None
    total_score: Real | None = None
    weighted_score: Real | None = None
    is_successful: bool = False
    success_metric: Real | None = None
    specialist_enabled: bool = False
    specialist_name: OptionalName | None = None
    specialist_version: Version | None = None
    metadata: JsonObject | None = None
    evaluations: list[EvaluationIn] = Field(default_factory=list)
    telemetry: TelemetryIn | None = None
    transcript: JsonDocument | None = None
    """Messages, tool calls and their results, as the harness recorded them."""


class BatchIn(CamelModel):
    """POST /api/results/batch. Totals sent by a client are ignored: the server computes them."""

    batch_id: Identifier
    created_at: EpochMs | None = None
    """Kept from the first POST of the batch: a later one never moves it later."""
    completed_at: EpochMs | None = None
    total_runs: int | None = None
    successful_runs: int | None = None
    avg_score: float | None = None
    avg_weighted_score: float | None = None
    metadata: JsonObject | None = None
