"""Where results go: the sink protocol, its outcomes and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

# Re-exported: metadata as the API (an object) or the store (JSON text) gives it.
from zebench.jsontext import json_object as json_object
from zebench.model.runs import RunRow

Acknowledged = Literal["created", "duplicate"]


class DeliveryError(Exception):
    """The sink did not take the entry."""


class Unavailable(DeliveryError):
    """Worth trying again later: network down, server errors, an API key to fix.
    The entry stays in the spool for ``zebench sync``."""


class Rejected(DeliveryError):
    """Refused for good (a conflicting runId, invalid content): retrying cannot help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StoredRun:
    """What resuming a batch needs to know about one of its runs."""

    run_id: str
    suite: str
    scenario: str
    tier: str
    agent: str
    model: str | None
    status: str
    iteration: int | None
    weighted_score: float | None = None
    is_successful: bool = False
    duration_ms: int | None = None
    """From its start to its end, as stored (the summary of a resumed batch uses it)."""


@dataclass(frozen=True)
class BatchInfo:
    batch_id: str
    created_at: int | None
    metadata: dict[str, Any] = field(default_factory=dict)
    runs: list[StoredRun] = field(default_factory=list)


def stored_run(row: dict[str, Any]) -> StoredRun:
    """A run as the API or the store gives it."""
    iteration = json_object(row.get("metadata")).get("iteration")
    score = row.get("weightedScore")
    return StoredRun(
        run_id=str(row.get("runId") or row.get("run_id")),
        suite=str(row.get("suite")),
        scenario=str(row.get("scenario")),
        tier=str(row.get("tier")),
        agent=str(row.get("agent")),
        model=row.get("model"),
        status=str(row.get("status")),
        iteration=iteration if isinstance(iteration, int) else None,
        weighted_score=float(score) if isinstance(score, int | float) else None,
        is_successful=row.get("isSuccessful") is True,
        duration_ms=_span_ms(row.get("startedAt"), row.get("completedAt")),
    )


def stored_run_of_row(row: RunRow) -> StoredRun:
    """A run as the store holds it (the embedded sink reads the store itself)."""
    iteration = json_object(row.metadata).get("iteration")
    return StoredRun(
        run_id=row.run_id,
        suite=row.suite,
        scenario=row.scenario,
        tier=row.tier,
        agent=row.agent,
        model=row.model,
        status=row.status,
        iteration=iteration if isinstance(iteration, int) else None,
        weighted_score=row.weighted_score,
        is_successful=bool(row.is_successful),
        duration_ms=None if row.completed_at is None else max(row.completed_at - row.started_at, 0),
    )


def _span_ms(started: Any, completed: Any) -> int | None:
    """Milliseconds between two of the API's ISO timestamps; None if either is missing."""
    if not (isinstance(started, str) and isinstance(completed, str)):
        return None
    try:
        span = datetime.fromisoformat(completed) - datetime.fromisoformat(started)
    except ValueError:
        return None
    return max(int(span.total_seconds() * 1000), 0)


class Sink(Protocol):
    target: str
    """Where results go, for messages: the service URL or the database URL."""

    async def send_result(self, payload: dict[str, Any]) -> Acknowledged:
        """Store one result (the POST /api/results body); idempotent by runId."""
        ...

    async def send_batch(self, payload: dict[str, Any]) -> None:
        """Create or update a batch (the POST /api/results/batch body)."""
        ...

    async def batch_info(self, batch_id: str) -> BatchInfo | None:
        """The batch with its runs, or None when the sink has no such batch."""
        ...

    async def aclose(self) -> None: ...
