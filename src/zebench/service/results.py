"""Storing results: idempotent by runId, batch totals from runs, all or nothing.

One write path: ``store_results`` stores any number of results in the caller's
transaction (a single result is a batch of one). The HTTP API, the harness's
embedded delivery, imports and the demo data all go through it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from zebench.model.errors import Conflict
from zebench.model.results import BatchIn, EvaluationIn, ResultIn
from zebench.model.time import now_ms, to_ms
from zebench.service import aggregates
from zebench.service.batch_tags import replace_tags, tags_of
from zebench.service.webhook_outbox import Notify, enqueue_completion
from zebench.store.compiled import CompiledWrite
from zebench.store.database import Database, GroupableWrite
from zebench.store.tables import batches, evaluations, runs, telemetry, transcripts


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
        return await db.awrite_item(RESULT_WRITE, (result, digest))
    except IntegrityError:
        return await db.awrite_item(RESULT_WRITE, (result, digest))


def store_result(
    conn: Connection, result: ResultIn, digest: str, *, defer_batch_totals: bool = False
) -> SubmitOutcome:
    """``store_results`` of one result: its answer, or the exception it answered.

    Callers storing many results one at a time (each in its own savepoint) may pass
    ``defer_batch_totals=True`` and call ``recompute_batch`` once per touched batch
    before their transaction ends.
    """
    answer = store_results(conn, [(result, digest)], batch_totals=not defer_batch_totals)[0]
    if isinstance(answer, Exception):
        raise answer
    return answer


def store_results(
    conn: Connection, items: Sequence[tuple[ResultIn, str]], *, batch_totals: bool = True
) -> list[SubmitOutcome | Exception]:
    """Store (result, digest) pairs in the caller's transaction: one statement per
    table for all of them, the pre-aggregates' increments folded per key before they
    are added, then (unless ``batch_totals`` is False) the touched batches' totals.

    Answers per item, in order: ``created``, ``duplicate`` (the same content was
    stored before, or earlier in ``items``), or a ``Conflict`` (the runId exists with
    different content). Database errors propagate: the caller rolls everything back
    (the SQLite writer then stores the items one by one, each in a savepoint).
    """
    answers, new = _answers(conn, items)
    if not new:
        return answers

    received = now_ms()
    started = [to_ms(result.started_at) for result, _ in new]
    first_start: dict[str, int] = {}
    for (result, _), start in zip(new, started, strict=True):
        if result.batch_id is not None:
            first_start.setdefault(result.batch_id, start)
    _ensure_batches(conn, first_start, now=received)
    facts = [_evaluation_facts(result, received) for result, _ in new]
    _insert_rows(conn, new, started, facts, received)
    stored = [
        (_run_facts(result, start), evaluation_facts)
        for (result, _), start, evaluation_facts in zip(new, started, facts, strict=True)
    ]
    touched = aggregates.apply(conn, stored)
    if batch_totals:
        aggregates.refresh_batch_totals(conn, touched, now=received)
    return answers


def _answers(
    conn: Connection, items: Sequence[tuple[ResultIn, str]]
) -> tuple[list[SubmitOutcome | Exception], list[tuple[ResultIn, str]]]:
    """Each item's answer, and the items not stored before (nor earlier in ``items``)."""
    known = _stored_hashes(conn, {result.run_id for result, _ in items})
    answers: list[SubmitOutcome | Exception] = []
    new: list[tuple[ResultIn, str]] = []
    for result, digest in items:
        found = known.get(result.run_id)
        if found is None:
            known[result.run_id] = digest
            new.append((result, digest))
            answers.append(SubmitOutcome(result.run_id, "created"))
        elif found == digest:
            answers.append(SubmitOutcome(result.run_id, "duplicate"))
        else:
            answers.append(_conflict(result.run_id))
    return answers, new


def _insert_rows(
    conn: Connection,
    new: Sequence[tuple[ResultIn, str]],
    started: Sequence[int],
    facts: Sequence[list[aggregates.EvaluationFacts]],
    received: int,
) -> None:
    """The new results' rows: one statement per table for all of them."""
    _INSERT_RUNS.execute(
        conn,
        [
            _run_row(result, digest, start, received)
            for (result, digest), start in zip(new, started, strict=True)
        ],
    )
    _INSERT_EVALUATIONS.execute(
        conn,
        [
            _evaluation_row(result, ev, f)
            for (result, _), evaluation_facts in zip(new, facts, strict=True)
            for ev, f in zip(result.evaluations, evaluation_facts, strict=True)
        ],
    )
    _INSERT_TELEMETRY.execute(
        conn, [_telemetry_row(result) for result, _ in new if result.telemetry]
    )
    _INSERT_TRANSCRIPTS.execute(
        conn,
        [
            {"run_id": result.run_id, "content": json.dumps(result.transcript)}
            for result, _ in new
            if result.transcript is not None
        ],
    )


def _stored_hashes(conn: Connection, run_ids: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ids = sorted(run_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        for run_id, digest in conn.execute(_SELECT_HASHES, {"run_ids": chunk}):
            found[run_id] = digest
    return found


def _conflict(run_id: str) -> Conflict:
    return Conflict(
        f"run {run_id!r} already exists with different content",
        {"field": "runId", "runId": run_id},
    )


def _store_one(conn: Connection, item: tuple[ResultIn, str]) -> SubmitOutcome:
    return store_result(conn, item[0], item[1])


RESULT_WRITE: GroupableWrite[tuple[ResultIn, str], SubmitOutcome] = GroupableWrite(
    _store_one, store_results
)
"""How ``asubmit_result`` hands a (result, digest) to the database's writer."""


def _run_row(result: ResultIn, digest: str, started: int, received: int) -> dict[str, Any]:
    return {
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
    }


def _evaluation_row(
    result: ResultIn, ev: EvaluationIn, facts: aggregates.EvaluationFacts
) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "evaluator_name": ev.evaluator_name,
        "score": ev.score,
        "max_score": ev.max_score,
        "details": ev.details,
        "created_at": facts.created_at,
    }


def _telemetry_row(result: ResultIn) -> dict[str, Any]:
    t = result.telemetry
    assert t is not None
    return {
        "run_id": result.run_id,
        "tool_calls": t.tool_calls,
        "tokens_in": t.tokens_in,
        "tokens_out": t.tokens_out,
        "cost_usd": t.cost_usd,
        "duration_ms": t.duration_ms,
        "workspace_dir": t.workspace_dir,
        "prompt_sent": t.prompt_sent,
    }


_SELECT_HASHES = sa.select(runs.c.run_id, runs.c.content_hash).where(
    runs.c.run_id.in_(sa.bindparam("run_ids", expanding=True))
)
_IN_CHUNK = 500
"""runIds per ``IN (...)``, well under SQLite's bound-parameter limit."""
# Compiled once per dialect, run on the driver (see zebench.store.compiled).
_INSERT_RUNS = CompiledWrite(lambda _dialect: runs.insert())
_INSERT_EVALUATIONS = CompiledWrite(lambda _dialect: evaluations.insert())
_INSERT_TELEMETRY = CompiledWrite(lambda _dialect: telemetry.insert())
_INSERT_TRANSCRIPTS = CompiledWrite(lambda _dialect: transcripts.insert())
_ENSURE_BATCH = CompiledWrite(
    lambda dialect: (
        (postgresql if dialect == "postgresql" else sqlite).insert(batches).on_conflict_do_nothing()
    )
)
_LOCK_BATCHES = (
    sa.select(batches.c.batch_id)
    .where(batches.c.batch_id.in_(sa.bindparam("batch_ids", expanding=True)))
    .order_by(batches.c.batch_id)
    .with_for_update()
)


def _run_facts(result: ResultIn, started: int) -> aggregates.RunFacts:
    return aggregates.RunFacts(
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
        tier=result.tier,
        cost_usd=t.cost_usd if (t := result.telemetry) else None,
        tokens_in=t.tokens_in if t else None,
        tokens_out=t.tokens_out if t else None,
        duration_ms=t.duration_ms if t else None,
    )


def _evaluation_facts(result: ResultIn, received: int) -> list[aggregates.EvaluationFacts]:
    return [
        aggregates.EvaluationFacts(
            evaluator_name=ev.evaluator_name,
            score=ev.score,
            max_score=ev.max_score,
            created_at=to_ms(ev.created_at) if ev.created_at else received,
        )
        for ev in result.evaluations
    ]


def _ensure_batches(conn: Connection, first_start: dict[str, int], *, now: int) -> None:
    """Create the batches not stored yet (created when their first run started)."""
    if not first_start:
        return
    _ENSURE_BATCH.execute(
        conn,
        [
            {"batch_id": batch_id, "created_at": start, "updated_at": now}
            for batch_id, start in first_start.items()
        ],
    )
    if conn.dialect.name == "postgresql":
        # Serialise writers of one batch so each sees the others' totals (in key
        # order, so two writers of the same batches cannot deadlock).
        conn.execute(_LOCK_BATCHES, {"batch_ids": sorted(first_start)})


def recompute_batch(conn: Connection, batch_id: str, *, now: int | None = None) -> None:
    """Set a batch's totals from its stored runs (never from what a client claimed).

    totalRuns counts every run; successfulRuns the completed, successful ones;
    avgScore / avgWeightedScore average the completed runs that have a score.
    They are read from the batch's pre-aggregate (kept in step with its runs by
    ``store_result``): a few rows, however many runs the batch holds.
    """
    aggregates.refresh_batch_totals(conn, [batch_id], now=now if now is not None else now_ms())


def upsert_batch(conn: Connection, batch: BatchIn, *, notify: Notify | None = None) -> str:
    """Create or update a batch's own fields (times, metadata); totals are recomputed,
    tags (``metadata.tags``) indexed, and with ``notify`` a completion is put in the
    webhook outbox (once per completion time and target). ``createdAt`` never moves
    later (see below)."""
    now = now_ms()
    _ensure_batches(conn, {batch.batch_id: batch.created_at or now}, now=now)
    values: dict[str, Any] = {"updated_at": now}
    if batch.created_at is not None:
        # The first createdAt is kept, as the original's upsert kept it: the harness
        # posts a batch at its start and again at its end, and durations are measured
        # from the first time. The earliest wins, so that a batch row made by its
        # first run before the batch was posted takes the batch's own start.
        values["created_at"] = sa.case(
            (batches.c.created_at <= batch.created_at, batches.c.created_at),
            else_=batch.created_at,
        )
    if batch.completed_at is not None:
        values["completed_at"] = batch.completed_at
    if batch.metadata is not None:
        values["metadata"] = json.dumps(batch.metadata)
    conn.execute(batches.update().where(batches.c.batch_id == batch.batch_id).values(**values))
    recompute_batch(conn, batch.batch_id, now=now)
    if batch.metadata is not None:
        replace_tags(conn, batch.batch_id, tags_of(batch.metadata))
    if notify is not None and batch.completed_at is not None:
        enqueue_completion(conn, batch.batch_id, batch.completed_at, notify)
    return batch.batch_id
