"""Storing results: one transaction per run, idempotent by runId, batch totals from runs.

Both the HTTP API and the harness's embedded delivery call these functions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from zebench.api.schemas import BatchIn, ResultIn
from zebench.service import rollups
from zebench.service.errors import Conflict
from zebench.service.prepared import Prepared, pipelined
from zebench.service.timeutil import now_ms, to_ms
from zebench.store.database import Database
from zebench.store.tables import (
    batches,
    evaluations,
    runs,
    telemetry,
    transcripts,
)


@dataclass(frozen=True)
class SubmitOutcome:
    run_id: str
    status: Literal["created", "duplicate"]


# When an evaluation was recorded says how it was delivered, not what it found:
# an export re-imported next to its source must hash the same.
_NOT_CONTENT: dict[str, Any] = {"evaluations": {"__all__": {"created_at"}}}


def content_hash(result: ResultIn) -> str:
    """A stable fingerprint of what was submitted (key order and spelling do not matter)."""
    canonical = orjson.dumps(
        result.model_dump(mode="json", by_alias=True, exclude=_NOT_CONTENT),
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def submit_result(db: Database, result: ResultIn) -> SubmitOutcome:
    """Store one run with its evaluations, telemetry and transcript, all or nothing.

    Re-sending the same content answers ``duplicate`` and writes nothing; the
    same runId with different content raises ``Conflict``.
    """
    digest = content_hash(result)
    try:
        return db.write(lambda conn: store_result(conn, result, digest))
    except IntegrityError:
        # Two processes raced on the same runId (PostgreSQL): the loser looks again.
        return db.write(lambda conn: store_result(conn, result, digest))


async def asubmit_result(db: Database, result: ResultIn) -> SubmitOutcome:
    """``submit_result`` for async callers."""
    digest = content_hash(result)
    try:
        return await db.awrite(lambda conn: store_result(conn, result, digest))
    except IntegrityError:
        return await db.awrite(lambda conn: store_result(conn, result, digest))


def store_result(
    conn: Connection, result: ResultIn, digest: str, *, defer_batch_totals: bool = False
) -> SubmitOutcome:
    """The write job behind ``submit_result``; runs inside the caller's transaction.

    Besides the run's rows it maintains the statistics' pre-aggregates and the
    batch's totals (``zebench.service.rollups``), in the same transaction.
    Bulk callers may pass ``defer_batch_totals=True`` and call ``recompute_batch``
    once per touched batch before their transaction ends.
    """
    found = _SELECT_HASH.first(conn, {"run_id": result.run_id})
    if found is not None:
        if found[0] == digest:
            return SubmitOutcome(result.run_id, "duplicate")
        raise Conflict(
            f"run {result.run_id!r} already exists with different content",
            {"field": "runId", "runId": result.run_id},
        )

    with pipelined(conn):
        return _store_new(conn, result, digest, defer_batch_totals=defer_batch_totals)


def _store_new(
    conn: Connection, result: ResultIn, digest: str, *, defer_batch_totals: bool
) -> SubmitOutcome:
    received = now_ms()
    started = to_ms(result.started_at)
    if result.batch_id is not None:
        _ensure_batch(conn, result.batch_id, created_at=started, now=received)

    _INSERT_RUN.execute(
        conn,
        {
            "run_id": result.run_id,
            "batch_id": result.batch_id,
            "suite": result.suite,
            "scenario": result.scenario,
            "tier": result.tier,
            "agent": result.agent,
            "model": result.model,
            "status": result.status,
            "started_at": started,
            "completed_at": to_ms(result.completed_at) if result.completed_at else None,
            "total_score": result.total_score,
            "weighted_score": result.weighted_score,
            "is_successful": result.is_successful,
            "success_metric": result.success_metric,
            "specialist_enabled": result.specialist_enabled,
            "specialist_name": result.specialist_name,
            "specialist_version": result.specialist_version,
            "metadata": json.dumps(result.metadata) if result.metadata is not None else None,
            "content_hash": digest,
            "received_at": received,
        },
    )
    evaluation_facts = _evaluation_facts(result, received)
    _INSERT_EVALUATION.executemany(
        conn,
        [
            {
                "run_id": result.run_id,
                "evaluator_name": ev.evaluator_name,
                "score": ev.score,
                "max_score": ev.max_score,
                "details": ev.details,
                "created_at": facts.created_at,
            }
            for ev, facts in zip(result.evaluations, evaluation_facts, strict=True)
        ],
    )
    if result.telemetry is not None:
        t = result.telemetry
        _INSERT_TELEMETRY.execute(
            conn,
            {
                "run_id": result.run_id,
                "tool_calls": t.tool_calls,
                "tokens_in": t.tokens_in,
                "tokens_out": t.tokens_out,
                "cost_usd": t.cost_usd,
                "duration_ms": t.duration_ms,
                "workspace_dir": t.workspace_dir,
                "prompt_sent": t.prompt_sent,
            },
        )
    if result.transcript is not None:
        _INSERT_TRANSCRIPT.execute(
            conn, {"run_id": result.run_id, "content": json.dumps(result.transcript)}
        )
    totals = rollups.apply_run(conn, _run_facts(result, started), evaluation_facts)
    if totals is not None and not defer_batch_totals:
        _UPDATE_BATCH_TOTALS.execute(
            conn, {**totals, "updated_at": received, "key_batch_id": result.batch_id}
        )
    return SubmitOutcome(result.run_id, "created")


# The ingest path's statements, compiled once per dialect (see service.prepared).
_SELECT_HASH = Prepared(
    sa.select(runs.c.content_hash).where(runs.c.run_id == sa.bindparam("run_id"))
)
_INSERT_RUN = Prepared(runs.insert(), [c.name for c in runs.c if c.name != "id"])
_INSERT_EVALUATION = Prepared(
    evaluations.insert(),
    ["run_id", "evaluator_name", "score", "max_score", "details", "created_at"],
)
_INSERT_TELEMETRY = Prepared(telemetry.insert(), [c.name for c in telemetry.c if c.name != "id"])
_INSERT_TRANSCRIPT = Prepared(transcripts.insert(), ["run_id", "content"])
_UPDATE_BATCH_TOTALS = Prepared(
    batches.update()
    .where(batches.c.batch_id == sa.bindparam("key_batch_id"))
    .values(
        {
            name: sa.bindparam(name)
            for name in (
                "total_runs",
                "successful_runs",
                "avg_score",
                "avg_weighted_score",
                "updated_at",
            )
        }
    )
)
_ENSURE_BATCH = {
    name: Prepared(
        dialect.insert(batches).on_conflict_do_nothing(),
        ["batch_id", "created_at", "updated_at"],
    )
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_LOCK_BATCH = Prepared(
    sa.select(batches.c.batch_id)
    .where(batches.c.batch_id == sa.bindparam("batch_id"))
    .with_for_update()
)


def _run_facts(result: ResultIn, started: int) -> rollups.RunFacts:
    return rollups.RunFacts(
        run_id=result.run_id,
        batch_id=result.batch_id,
        suite=result.suite,
        scenario=result.scenario,
        agent=result.agent,
        model=result.model,
        status=result.status,
        is_successful=result.is_successful,
        started_at=started,
        total_score=result.total_score,
        weighted_score=result.weighted_score,
    )


def _evaluation_facts(result: ResultIn, received: int) -> list[rollups.EvaluationFacts]:
    return [
        rollups.EvaluationFacts(
            evaluator_name=ev.evaluator_name,
            score=ev.score,
            max_score=ev.max_score,
            created_at=to_ms(ev.created_at) if ev.created_at else received,
        )
        for ev in result.evaluations
    ]


def _ensure_batch(conn: Connection, batch_id: str, *, created_at: int, now: int) -> None:
    _ENSURE_BATCH[conn.dialect.name].execute(
        conn, {"batch_id": batch_id, "created_at": created_at, "updated_at": now}
    )
    if conn.dialect.name == "postgresql":
        # Serialise writers of one batch so each sees the others' totals.
        _LOCK_BATCH.execute(conn, {"batch_id": batch_id})


def recompute_batch(conn: Connection, batch_id: str, *, now: int | None = None) -> None:
    """Set a batch's totals from its stored runs (never from what a client claimed).

    totalRuns counts every run; successfulRuns the completed, successful ones;
    avgScore / avgWeightedScore average the completed runs that have a score.
    They are read from the batch's pre-aggregate (kept in step with its runs by
    ``store_result``): a few rows, however many runs the batch holds.
    """
    conn.execute(
        batches.update()
        .where(batches.c.batch_id == batch_id)
        .values(
            **rollups.batch_totals(conn, batch_id),
            updated_at=now if now is not None else now_ms(),
        )
    )


def upsert_batch(conn: Connection, batch: BatchIn) -> str:
    """Create or update a batch's own fields (times, metadata); totals are recomputed."""
    now = now_ms()
    _ensure_batch(conn, batch.batch_id, created_at=batch.created_at or now, now=now)
    values: dict[str, Any] = {"updated_at": now}
    if batch.created_at is not None:
        values["created_at"] = batch.created_at
    if batch.completed_at is not None:
        values["completed_at"] = batch.completed_at
    if batch.metadata is not None:
        values["metadata"] = json.dumps(batch.metadata)
    conn.execute(batches.update().where(batches.c.batch_id == batch.batch_id).values(**values))
    recompute_batch(conn, batch.batch_id, now=now)
    return batch.batch_id
