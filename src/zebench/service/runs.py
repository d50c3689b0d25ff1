"""Reading runs: the one run list (filtered, ordered, paged) and one run with its parts.

The API and the pages call these same functions and present the typed results
(``zebench.model.runs``) each in its own shape: the API in the original Worker's
camelCase (``zebench.api.serializers.runs``), the pages as tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.jsontext import json_object
from zebench.model.errors import NotFound
from zebench.model.runs import EvaluationRow, RunRow, StoredResult, TelemetryRow
from zebench.service import run_order
from zebench.service.filters import RunFilter
from zebench.service.run_details import (
    Failure,
    FileChange,
    TimelineStep,
    TranscriptEntry,
    ValidationCommand,
    failure_of,
    files_changed,
    json_document,
    timeline,
    transcript_entries,
    validation_commands,
)
from zebench.service.run_order import NEWEST_FIRST, RunOrder, encode_cursor, page_ids
from zebench.store.tables import evaluations, runs, telemetry, transcripts

RUN_COLUMNS = [runs.c[name] for name in RunRow._fields]
"""The columns a ``RunRow`` is made of, in its fields' order."""
TELEMETRY_COLUMNS = [telemetry.c[name] for name in TelemetryRow._fields]
# An evaluation or telemetry row is its table's whole row (a select of the table
# costs less to prepare than one of its columns; tests hold the orders equal).
_RUN_WIDTH = len(RUN_COLUMNS)


@dataclass(frozen=True)
class RunList:
    runs: list[RunRow]
    next_cursor: str | None
    """Pass back as ``cursor`` for the following page (newest-first order only);
    ``None`` on the last page and in the other orders."""
    total: int | None = None
    """How many runs match in all, when counted (``count=True``)."""
    telemetry: dict[str, TelemetryRow] = field(default_factory=dict)
    """The listed runs' telemetry by run id, when asked for (``with_telemetry=True``)."""


def list_runs(
    conn: Connection,
    filters: RunFilter,
    *,
    order: RunOrder = NEWEST_FIRST,
    limit: int = 50,
    cursor: str | None = None,
    offset: int = 0,
    count: bool = False,
    with_telemetry: bool = False,
) -> RunList:
    """The matching runs in ``order``, ``limit`` at a time.

    Pages follow either the keyset ``cursor`` of the previous page (newest-first
    order; stable while runs are added) or a plain ``offset``; the cursor wins when
    both are given. The API pages by cursor, the pages by offset with a ``total``.
    """
    total = _count(conn, filters) if count else None
    # One run past the page says whether there is a next one (for the cursor).
    fetch = limit + 1 if order.newest_first else limit
    query = sa.select(*RUN_COLUMNS)
    if order.by_telemetry and total is not None and total > run_order.WALK_TELEMETRY_FROM:
        ids = run_order.walked_page_ids(conn, filters, order, offset=offset, limit=limit)
        query = query.select_from(order.source()).where(runs.c.id.in_(ids))
    else:
        # Deferred join: the page's ids come from an index, then only their rows are read.
        page = page_ids(filters, order, cursor=cursor, offset=offset, limit=fetch)
        query = query.select_from(order.source().join(page, page.c.id == runs.c.id))
    # ``all()``: fetching the rows at once costs less than iterating the result.
    listed = list(map(RunRow._make, conn.execute(query.order_by(*order.clauses())).all()))
    next_cursor = None
    if len(listed) > limit:
        del listed[limit:]
        if listed:
            next_cursor = encode_cursor(listed[-1].started_at, listed[-1].id)
    tele = telemetry_of(conn, [r.run_id for r in listed]) if with_telemetry else {}
    return RunList(listed, next_cursor, total, tele)


def _count(conn: Connection, filters: RunFilter) -> int:
    query = sa.select(sa.func.count()).select_from(runs).where(*filters.clauses())
    return int(conn.execute(query).scalar_one())


def iter_runs(
    conn: Connection, filters: RunFilter, order: RunOrder = NEWEST_FIRST
) -> Iterator[tuple[RunRow, TelemetryRow | None]]:
    """Every matching run with its telemetry, streamed in ``order`` (for exports)."""
    query = (
        sa.select(*RUN_COLUMNS, *TELEMETRY_COLUMNS)
        .select_from(runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id))
        .where(*filters.clauses())
        .order_by(*order.clauses())
    )
    result = conn.execution_options(stream_results=True, yield_per=1000).execute(query)
    for row in result:
        run = RunRow._make(row[:_RUN_WIDTH])
        has_telemetry = row[_RUN_WIDTH] is not None
        yield run, TelemetryRow._make(row[_RUN_WIDTH:]) if has_telemetry else None


def telemetry_of(conn: Connection, run_ids: Sequence[str]) -> dict[str, TelemetryRow]:
    """The telemetry of these runs, by run id (runs stored without any are absent)."""
    if not run_ids:
        return {}
    query = sa.select(*TELEMETRY_COLUMNS).where(telemetry.c.run_id.in_(run_ids))
    rows = conn.execute(query).all()
    return {t.run_id: t for t in map(TelemetryRow._make, rows)}


def runs_of_batch(conn: Connection, batch_id: str) -> list[RunRow]:
    """Every run of a batch, oldest first (the original's order)."""
    rows = conn.execute(
        sa.select(*RUN_COLUMNS)
        .where(runs.c.batch_id == batch_id)
        .order_by(runs.c.started_at, runs.c.id)
    ).all()
    return list(map(RunRow._make, rows))


# --- one run --------------------------------------------------------------------


def _stored_run(conn: Connection, run_id: str) -> RunRow:
    row = conn.execute(sa.select(*RUN_COLUMNS).where(runs.c.run_id == run_id)).first()
    if row is None:
        raise NotFound("Run not found", {"runId": run_id})
    return RunRow._make(row)


def _evaluations(conn: Connection, run_id: str) -> list[EvaluationRow]:
    rows = conn.execute(
        sa.select(evaluations).where(evaluations.c.run_id == run_id).order_by(evaluations.c.id)
    ).all()
    return list(map(EvaluationRow._make, rows))


def _telemetry(conn: Connection, run_id: str) -> TelemetryRow | None:
    row = conn.execute(sa.select(telemetry).where(telemetry.c.run_id == run_id)).first()
    return TelemetryRow._make(row) if row is not None else None


def get_run(conn: Connection, run_id: str) -> StoredResult:
    """The run with its evaluations and telemetry; raises ``NotFound("Run not found")``."""
    run = _stored_run(conn, run_id)
    return StoredResult(run, _evaluations(conn, run_id), _telemetry(conn, run_id))


def get_run_evaluations(conn: Connection, run_id: str) -> list[EvaluationRow]:
    _stored_run(conn, run_id)
    return _evaluations(conn, run_id)


def get_run_telemetry(conn: Connection, run_id: str) -> TelemetryRow | None:
    """The run's telemetry, or ``None`` when the run was stored without any."""
    _stored_run(conn, run_id)
    return _telemetry(conn, run_id)


def transcript_text(conn: Connection, run_id: str) -> str | None:
    """The transcript document as stored (JSON text), or ``None`` when there is none."""
    query = sa.select(transcripts.c.content).where(transcripts.c.run_id == run_id)
    content: str | None = conn.execute(query).scalar_one_or_none()
    return content


def get_run_transcript(conn: Connection, run_id: str) -> str:
    """The run's transcript text; ``NotFound`` for an unknown run or one without any."""
    _stored_run(conn, run_id)
    content = transcript_text(conn, run_id)
    if content is None:
        raise NotFound("Transcript not found", {"runId": run_id})
    return content


# --- one run, as a person inspects it ------------------------------------------------


@dataclass(frozen=True)
class RunEvidence:
    """The stored result and its free-form parts (metadata, transcript) read into the
    fixed shapes of ``run_details``: what the run page shows."""

    result: StoredResult
    metadata: dict[str, Any]
    """The run's metadata parsed; {} when it is not a JSON object."""
    failure: Failure | None
    transcript_raw: Any
    """The transcript document parsed; None when there is none or it is not JSON."""
    transcript: list[TranscriptEntry] | None
    validation: list[ValidationCommand]
    files: list[FileChange]
    timeline: list[TimelineStep]
    """Timed model and tool calls, in order (from the transcript)."""


def run_evidence(conn: Connection, run_id: str) -> RunEvidence:
    """Everything stored about one run; raises ``NotFound("Run not found")``."""
    result = get_run(conn, run_id)
    metadata = json_object(result.run.metadata)
    raw = json_document(transcript_text(conn, run_id))
    return RunEvidence(
        result=result,
        metadata=metadata,
        failure=failure_of(result.run.status, metadata),
        transcript_raw=raw,
        transcript=transcript_entries(raw) if raw is not None else None,
        validation=validation_commands(metadata),
        files=files_changed(metadata),
        timeline=timeline(raw) if raw is not None else [],
    )
