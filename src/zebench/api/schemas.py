"""The API's answers (camelCase on the wire), the single source of truth for OpenAPI.

They mirror the original Worker's responses. The request bodies are the domain's
own types (``zebench.model.results``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

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


# --- read answers ----------------------------------------------------------------
# Documentation of what the read routes return; names and nullability follow
# docs/api.md. The routes build these shapes as plain dicts (``zebench.api.serializers``
# over the service's typed results, or ``zebench.service``).


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
