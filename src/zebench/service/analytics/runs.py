"""Run lists (filtered, sorted, one page at a time) and everything about one run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Join

from zebench.jsontext import json_object
from zebench.model.errors import Invalid
from zebench.service.analytics.run_details import (
    Failure,
    FileChange,
    TimelineStep,
    TranscriptEntry,
    ValidationCommand,
    failure_of,
    files_changed,
    timeline,
    transcript_entries,
    validation_commands,
)
from zebench.service.filters import RunFilter
from zebench.store.tables import evaluations, runs, telemetry, transcripts

Row = dict[str, Any]

SORTABLE: dict[str, ColumnElement[Any]] = {
    "startedAt": runs.c.started_at,
    "suite": runs.c.suite,
    "scenario": runs.c.scenario,
    "tier": runs.c.tier,
    "agent": runs.c.agent,
    "model": runs.c.model,
    "status": runs.c.status,
    "weightedScore": runs.c.weighted_score,
    "costUsd": telemetry.c.cost_usd,
    "durationMs": telemetry.c.duration_ms,
    "tokensIn": telemetry.c.tokens_in,
    "batchId": runs.c.batch_id,
}

_TELEMETRY_SORTS = frozenset({"costUsd", "durationMs", "tokensIn"})

_WALK_TELEMETRY_FROM = 2000
"""Matching runs above which a telemetry sort walks the telemetry column's index in
order (stopping after a page) instead of sorting every matching run. PostgreSQL's
planner takes that path by itself for this query (ORDER BY the column, LIMIT a
page); SQLite's has to be held to it (``_OuterFirstJoin``)."""


class _OuterFirstJoin(Join):
    """An inner join that SQLite runs with the left table as the outer loop.

    Its planner otherwise drives a filtered telemetry sort from the runs filter's
    index and sorts every match (100+ ms at 100k runs)."""

    inherit_cache = True


@compiles(_OuterFirstJoin, "sqlite")
def _outer_first_join(element: _OuterFirstJoin, compiler: Any, **kw: Any) -> str:
    # SQLite never reorders the tables of a CROSS JOIN; with ON it is an inner join.
    return str(compiler.visit_join(element, **kw)).replace(" JOIN ", " CROSS JOIN ", 1)


_LIST_COLUMNS = (
    runs.c.id,
    runs.c.run_id,
    runs.c.batch_id,
    runs.c.suite,
    runs.c.scenario,
    runs.c.tier,
    runs.c.agent,
    runs.c.model,
    runs.c.status,
    runs.c.is_successful,
    runs.c.started_at,
    runs.c.completed_at,
    runs.c.total_score,
    runs.c.weighted_score,
    runs.c.metadata,
    telemetry.c.cost_usd,
    telemetry.c.duration_ms,
    telemetry.c.tokens_in,
    telemetry.c.tokens_out,
    telemetry.c.tool_calls,
)


@dataclass(frozen=True)
class RunPage:
    rows: list[Row]
    total: int


def _base(flt: RunFilter) -> sa.Select[Any]:
    return (
        sa.select(*_LIST_COLUMNS)
        .select_from(runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id))
        .where(*flt.clauses())
    )


def _order(sort: str, descending: bool) -> list[ColumnElement[Any]]:
    column = SORTABLE.get(sort)
    if column is None:
        raise Invalid(
            f"sort must be one of {', '.join(SORTABLE)}", {"field": "sort", "value": sort}
        )
    if sort == "startedAt":
        # Matches the (started_at, id) index, so the newest page needs no sort at all.
        return (
            [runs.c.started_at.desc(), runs.c.id.desc()]
            if descending
            else [
                runs.c.started_at.asc(),
                runs.c.id.asc(),
            ]
        )
    primary = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return [primary, runs.c.started_at.desc(), runs.c.id.desc()]


def list_runs(
    conn: Connection,
    flt: RunFilter,
    *,
    sort: str = "startedAt",
    descending: bool = True,
    offset: int = 0,
    limit: int = 50,
    extra: tuple[ColumnElement[bool], ...] = (),
) -> RunPage:
    """One page of runs and how many runs match in all."""
    order = _order(sort, descending)
    total = conn.execute(
        sa.select(sa.func.count()).select_from(runs).where(*flt.clauses(), *extra)
    ).scalar_one()
    # Find the page's ids first, reading only indexed columns, then fetch those rows
    # whole: deep pages and sorts then skip the wide rows (metadata) they pass over.
    page_ids: Any
    if sort in _TELEMETRY_SORTS and total > _WALK_TELEMETRY_FROM:
        page_ids = _telemetry_page_ids(
            conn, flt, extra, sort=sort, descending=descending, offset=offset, limit=limit
        )
    else:
        source: Any = runs
        if sort in _TELEMETRY_SORTS:
            source = runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id)
        page_ids = (
            sa.select(runs.c.id)
            .select_from(source)
            .where(*flt.clauses(), *extra)
            .order_by(*order)
            .offset(offset)
            .limit(limit)
            .scalar_subquery()
        )
    query = (
        sa.select(*_LIST_COLUMNS)
        .select_from(runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id))
        .where(runs.c.id.in_(page_ids))
        .order_by(*order)
    )
    return RunPage([_row(r) for r in conn.execute(query)], int(total))


def _telemetry_page_ids(
    conn: Connection,
    flt: RunFilter,
    extra: tuple[ColumnElement[bool], ...],
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
) -> list[int]:
    """The ids of one page of many runs sorted by a telemetry column, in ``_order``'s
    order: runs with a value, walked in the column's index order, then the runs
    without one (no telemetry, or no value) newest first."""
    column = SORTABLE[sort]
    newest = (runs.c.started_at.desc(), runs.c.id.desc())
    ids = list(
        conn.execute(
            sa.select(runs.c.id)
            .select_from(_OuterFirstJoin(telemetry, runs, telemetry.c.run_id == runs.c.run_id))
            .where(column.is_not(None), *flt.clauses(), *extra)
            .order_by(column.desc() if descending else column.asc(), *newest)
            .offset(offset)
            .limit(limit)
        ).scalars()
    )
    if len(ids) == limit:
        return ids
    if ids:
        with_value = offset + len(ids)
    else:
        with_value = conn.execute(
            sa.select(sa.func.count())
            .select_from(telemetry.join(runs, telemetry.c.run_id == runs.c.run_id))
            .where(column.is_not(None), *flt.clauses(), *extra)
        ).scalar_one()
    without = conn.execute(
        sa.select(runs.c.id)
        .select_from(runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id))
        .where(column.is_(None), *flt.clauses(), *extra)
        .order_by(*newest)
        .offset(max(0, offset - with_value))
        .limit(limit - len(ids))
    ).scalars()
    return ids + list(without)


def iter_runs(
    conn: Connection,
    flt: RunFilter,
    *,
    sort: str = "startedAt",
    descending: bool = True,
) -> Iterator[Row]:
    """Every matching run, streamed in the page's order (for exports)."""
    query = _base(flt).order_by(*_order(sort, descending))
    result = conn.execution_options(stream_results=True, yield_per=1000).execute(query)
    for r in result:
        yield _row(r)


def _row(r: Any) -> Row:
    return _fields(r, failure_of(r.status, json_object(r.metadata)))


def _fields(r: Any, failure: Failure | None) -> Row:
    return {
        "runId": r.run_id,
        "batchId": r.batch_id,
        "suite": r.suite,
        "scenario": r.scenario,
        "tier": r.tier,
        "agent": r.agent,
        "model": r.model,
        "status": r.status,
        "isSuccessful": bool(r.is_successful),
        "startedAt": r.started_at,
        "completedAt": r.completed_at,
        "totalScore": r.total_score,
        "weightedScore": r.weighted_score,
        "costUsd": r.cost_usd,
        "durationMs": r.duration_ms,
        "tokensIn": r.tokens_in,
        "tokensOut": r.tokens_out,
        "toolCalls": r.tool_calls,
        "error": failure.message if failure else None,
        "errorKind": failure.kind if failure else None,
    }


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class EvaluationView:
    evaluator_name: str
    score: float
    max_score: float
    details_text: str | None
    details_json: Any
    """The details parsed, when they are JSON; None for plain text."""

    @property
    def ratio(self) -> float | None:
        return self.score / self.max_score if self.max_score else None


@dataclass(frozen=True)
class RunDetail:
    run: Row
    metadata: dict[str, Any]
    specialist: dict[str, Any] | None
    evaluations: list[EvaluationView]
    telemetry: Row | None
    transcript: list[TranscriptEntry] | None
    transcript_raw: Any
    validation: list[ValidationCommand]
    files: list[FileChange]
    failure: Failure | None
    timeline: list[TimelineStep] = field(default_factory=list)
    """Timed model and tool calls, in order (from the transcript)."""


def run_detail(conn: Connection, run_id: str) -> RunDetail | None:
    """Everything stored about one run; None when no run has that id."""
    r = conn.execute(
        _base(RunFilter())
        .add_columns(
            runs.c.success_metric,
            runs.c.specialist_enabled,
            runs.c.specialist_name,
            runs.c.specialist_version,
            telemetry.c.workspace_dir,
            telemetry.c.prompt_sent,
            telemetry.c.run_id.label("telemetry_run_id"),
        )
        .where(runs.c.run_id == run_id)
    ).one_or_none()
    if r is None:
        return None
    metadata = json_object(r.metadata)
    failure = failure_of(r.status, metadata)
    row = _fields(r, failure)
    row["successMetric"] = r.success_metric
    evals = [
        EvaluationView(
            evaluator_name=e.evaluator_name,
            score=e.score,
            max_score=e.max_score,
            details_text=e.details,
            details_json=_details_json(e.details),
        )
        for e in conn.execute(
            sa.select(
                evaluations.c.evaluator_name,
                evaluations.c.score,
                evaluations.c.max_score,
                evaluations.c.details,
            )
            .where(evaluations.c.run_id == run_id)
            .order_by(evaluations.c.id)
        )
    ]
    tele = None
    if r.telemetry_run_id is not None:
        tele = {
            "toolCalls": r.tool_calls,
            "tokensIn": r.tokens_in,
            "tokensOut": r.tokens_out,
            "costUsd": r.cost_usd,
            "durationMs": r.duration_ms,
            "workspaceDir": r.workspace_dir,
            "promptSent": r.prompt_sent,
        }
    raw_transcript = _json(
        conn.execute(
            sa.select(transcripts.c.content).where(transcripts.c.run_id == run_id)
        ).scalar_one_or_none()
    )
    specialist = None
    if r.specialist_enabled or r.specialist_name:
        specialist = {"name": r.specialist_name, "version": r.specialist_version}
    return RunDetail(
        run=row,
        metadata=metadata,
        specialist=specialist,
        evaluations=evals,
        telemetry=tele,
        transcript=transcript_entries(raw_transcript) if raw_transcript is not None else None,
        transcript_raw=raw_transcript,
        validation=validation_commands(metadata),
        files=files_changed(metadata),
        failure=failure,
        timeline=timeline(raw_transcript) if raw_transcript is not None else [],
    )


def _details_json(text: str | None) -> Any:
    if not text or text[:1] not in "{[":
        return None
    return _json(text)
