"""The API's answers (camelCase on the wire), the single source of truth for OpenAPI.

They mirror the original Worker's responses. The request bodies are the domain's
own types (``zebench.model.results``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from zebench.api.serializers.runs import Run

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
