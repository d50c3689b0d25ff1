"""The API's JSON shapes (camelCase on the wire), the single source of truth for OpenAPI.

Input models validate strictly and name the field at fault; output models
mirror the original Worker's responses.
"""

from __future__ import annotations

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


# --- writes ------------------------------------------------------------------


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
        import json

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


# --- write answers -------------------------------------------------------------


class SubmitResponse(BaseModel):
    success: bool = True
    runId: str
    duplicate: bool = False


class BatchSubmitResponse(BaseModel):
    success: bool = True
    batchId: str


class BulkItemOutcome(BaseModel):
    index: int
    runId: str | None = None
    status: Literal["created", "duplicate", "conflict", "invalid", "error"]
    """invalid: failed validation (details name the fields); error: the store refused it."""
    error: str | None = None
    details: Any = None


class BulkSubmitResponse(BaseModel):
    success: bool
    created: int
    duplicates: int
    failed: int
    results: list[BulkItemOutcome]


class ErrorResponse(BaseModel):
    error: str
    details: Any = None


# --- read answers (issue 2, part A) ----------------------------------------------
# Documentation of what the read routes return (they build these shapes as plain
# dicts in zebench.service for speed); names and nullability follow FORMATS.md.


class Health(BaseModel):
    status: Literal["ok"]
    timestamp: str


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


class Batch(BaseModel):
    batchId: str
    createdAt: int = Field(description="epoch milliseconds")
    completedAt: int | None = Field(description="epoch milliseconds")
    totalRuns: int = Field(description="computed by the server from the stored runs")
    successfulRuns: int
    avgScore: float | None
    avgWeightedScore: float | None
    metadata: Any


class BatchDetail(Batch):
    runs: list[Run]


class SuiteBreakdownRow(BaseModel):
    suite: str
    scenario: str
    runs: int
    successfulRuns: int
    avgScore: float | None
    avgWeightedScore: float | None


class AgentPerformanceRow(BaseModel):
    agent: str
    model: str | None
    runs: int
    successfulRuns: int
    avgWeightedScore: float | None
    minScore: float | None
    maxScore: float | None


class EvaluatorBreakdownRow(BaseModel):
    evaluatorName: str
    avgScore: float | None
    maxScore: float | None
    count: int


class BatchAnalytics(BaseModel):
    suiteBreakdown: list[SuiteBreakdownRow]
    agentPerformance: list[AgentPerformanceRow]
    evaluatorBreakdown: list[EvaluatorBreakdownRow]


class GlobalStats(BaseModel):
    totalRuns: int
    successfulRuns: int
    avgScore: float | None
    avgWeightedScore: float | None


class AgentStatsRow(BaseModel):
    agent: str
    runs: int
    avgScore: float | None
    minScore: float | None
    maxScore: float | None


class ModelStatsRow(BaseModel):
    model: str
    runs: int
    avgScore: float | None
    minScore: float | None
    maxScore: float | None


class ScenarioBreakdownRow(BaseModel):
    scenario: str
    runs: int
    avgScore: float | None


class SuiteStats(GlobalStats):
    scenarioBreakdown: list[ScenarioBreakdownRow]


class AgentComparisonRow(BaseModel):
    agent: str
    runs: int
    avgScore: float | None


class ScenarioStats(GlobalStats):
    minScore: float | None
    maxScore: float | None
    agentComparison: list[AgentComparisonRow]


class EvaluatorTrendPoint(BaseModel):
    date: str = Field(description="UTC day, YYYY-MM-DD")
    avgScore: float
    count: int
