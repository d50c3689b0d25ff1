"""A run as the store holds it, with its evaluations and telemetry: what reads return
(``ResultIn`` is the same result as the harness reports it).

The API (``zebench.api.serializers.runs``) and the pages present these same values,
each in its own shape. The rows are ``NamedTuple``s because a list builds thousands
of them: one is made from a database row in a single step (``RunRow._make(row)``),
with no per-field work, and unpacks as fast as the row. Their fields are the
table's columns, in the table's order and with its names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class RunRow(NamedTuple):
    """One run; times are epoch milliseconds (UTC)."""

    id: int
    run_id: str
    batch_id: str | None
    suite: str
    scenario: str
    tier: str
    agent: str
    model: str | None
    status: str
    started_at: int
    completed_at: int | None
    total_score: float | None
    weighted_score: float | None
    is_successful: bool
    success_metric: float | None
    specialist_enabled: bool
    specialist_name: str | None
    specialist_version: str | None
    metadata: str | None
    """The JSON text stored (imported data may hold text that is not JSON)."""


class EvaluationRow(NamedTuple):
    id: int
    run_id: str
    evaluator_name: str
    score: float
    max_score: float
    details: str | None
    created_at: int


class TelemetryRow(NamedTuple):
    id: int
    run_id: str
    tool_calls: int | None
    tokens_in: int | None
    tokens_out: int | None
    cost_usd: float | None
    duration_ms: int | None
    """The agent's own time, as it reported it."""
    workspace_dir: str | None
    prompt_sent: str | None


@dataclass(frozen=True)
class StoredResult:
    """One run with its evaluations (in the order stored) and its telemetry, if any."""

    run: RunRow
    evaluations: list[EvaluationRow]
    telemetry: TelemetryRow | None
