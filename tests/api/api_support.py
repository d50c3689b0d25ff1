"""Helpers for the results API tests: servers on loopback and payloads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from loopback import AppServer, app_settings, serving_app
from zebench.store.database import Database

# The body of seed 000 section 13's curl example, byte for byte in meaning.
SEED_CURL_BODY: dict[str, Any] = {
    "runId": "test-123",
    "suite": "update-deps",
    "scenario": "nx-pnpm-monorepo",
    "tier": "L1",
    "agent": "anthropic",
    "status": "completed",
    "startedAt": "2024-01-01T00:00:00Z",
    "completedAt": "2024-01-01T00:05:00Z",
    "totalScore": 8.5,
    "weightedScore": 8.2,
    "isSuccessful": True,
    "evaluations": [],
    "telemetry": {},
}


@contextmanager
def serve(
    db: Database,
    *,
    customise: Callable[[FastAPI], None] | None = None,
    **server_settings: Any,
) -> Iterator[AppServer]:
    """The real app on a loopback port of its own, over ``db`` (already migrated), with
    ``server_settings`` (ServerSettings fields) and no rate limit unless a test sets one."""
    fields = {"rate_limit_per_minute": 0, **server_settings}
    with serving_app(app_settings(db.url, server=fields), db, customise=customise) as server:
        yield server


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def result(run_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A realistic result body: five evaluations with details, telemetry, metadata."""
    body: dict[str, Any] = {
        "runId": run_id or unique("run"),
        "suite": "update-deps",
        "scenario": "nx-pnpm-monorepo",
        "tier": "L1",
        "agent": "anthropic",
        "model": "claude-sonnet-4",
        "status": "completed",
        "startedAt": "2026-01-05T10:00:00Z",
        "completedAt": "2026-01-05T10:04:00Z",
        "totalScore": 0.8,
        "weightedScore": 8.0,
        "isSuccessful": True,
        "successMetric": 0.75,
        "metadata": {"validation": {"install": 0}},
        "evaluations": [
            {
                "evaluatorName": f"evaluator-{i}",
                "score": 0.5 + i / 10,
                "maxScore": 1.0,
                "details": "checked " + "x" * 190,
            }
            for i in range(5)
        ],
        "telemetry": {
            "toolCalls": 7,
            "tokensIn": 1200,
            "tokensOut": 340,
            "costUsd": 0.012,
            "durationMs": 240000,
            "workspaceDir": "/tmp/ws",
            "promptSent": "Update dependencies.",
        },
    }
    body.update(fields)
    return body
