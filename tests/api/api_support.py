"""Helpers for the results API tests: servers on loopback, databases, payloads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from loopback import free_port, serving
from zebench.api.app import create_app
from zebench.config import Settings
from zebench.store.database import Database
from zebench.store.migrate import upgrade

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


@dataclass
class Server:
    url: str
    db: Database
    settings: Settings
    app: FastAPI


@contextmanager
def serve(
    db: Database,
    *,
    customise: Callable[[FastAPI], None] | None = None,
    **settings: Any,
) -> Iterator[Server]:
    """The real app on a loopback port of its own, over ``db`` (already migrated)."""
    port = free_port()
    values: dict[str, Any] = {
        "database_url": db.url,
        "host": "127.0.0.1",
        "port": port,
        "api_secret_key": None,
        "rate_limit_per_minute": 0,
    }
    values.update(settings)
    config_settings = Settings(**values)
    app = create_app(config_settings, db=db)
    if customise is not None:
        customise(app)
    with serving(app, port) as url:
        yield Server(url, db, config_settings, app)


@contextmanager
def migrated(url: str) -> Iterator[Database]:
    db = Database(url)
    upgrade(db)
    try:
        yield db
    finally:
        db.close()


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
