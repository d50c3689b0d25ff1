"""Reads of runs: GET /api/runs (filtered, paginated) and one run with its parts."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from zebench.api.deps import get_db
from zebench.api.openapi import error_responses
from zebench.api.pagination import page_response, streamed_page
from zebench.api.responses import json_response
from zebench.api.serializers.runs import (
    Evaluation,
    MetadataForm,
    Run,
    RunDetail,
    Telemetry,
    evaluation_json,
    record_json,
    runs_json,
    telemetry_json,
)
from zebench.bounds import LIST_LIMIT_MAX, OFFSET_MAX
from zebench.jsontext import parse_json_text
from zebench.model.time import to_ms
from zebench.service import run_stream
from zebench.service import runs as run_service
from zebench.service.filters import RunFilter
from zebench.store.database import Database

router = APIRouter(tags=["runs"])

STREAM_FROM = 5000
"""Lists longer than this are read and sent a chunk at a time (``service.run_stream``)."""

MetadataFormat = Query(
    "text",
    alias="metadataFormat",
    description="`text` (default): each run's `metadata` as the JSON text stored, as the "
    "original Worker answered it; `object`: parsed into a JSON object",
)


def _blank_is_none(value: str | None) -> str | None:
    # The original treated ``?suite=`` like no filter at all.
    return value or None


@router.get(
    "/api/runs",
    response_model=list[Run],
    responses=error_responses(422),
)
def list_runs(
    request: Request,
    limit: int = Query(
        50,
        ge=0,
        le=LIST_LIMIT_MAX,
        description=f"runs to answer; above {STREAM_FROM} the answer streams",
    ),
    cursor: str | None = Query(None, description="`X-Next-Cursor` of the previous page"),
    offset: int = Query(0, ge=0, le=OFFSET_MAX, description="ignored when a cursor is given"),
    suite: str | None = None,
    scenario: str | None = None,
    tier: str | None = None,
    agent: str | None = None,
    model: str | None = None,
    status: str | None = Query(None, description="completed or failed"),
    batch_id: str | None = Query(None, alias="batchId"),
    since: datetime | None = Query(None, description="started at or after (ISO 8601)"),
    until: datetime | None = Query(None, description="started before (ISO 8601)"),
    metadata_form: MetadataForm = MetadataFormat,
    tag: str | None = Query(None, max_length=100, description="runs of batches with this tag"),
    db: Database = Depends(get_db),
) -> Response:
    """Runs newest first. Filters combine. The body is the array of the original
    Worker; the next page's cursor is in the `X-Next-Cursor` and `Link` headers."""
    filters = RunFilter(
        suite=_blank_is_none(suite),
        scenario=_blank_is_none(scenario),
        tier=_blank_is_none(tier),
        agent=_blank_is_none(agent),
        model=_blank_is_none(model),
        status=_blank_is_none(status),
        batch=_blank_is_none(batch_id),
        started_from=to_ms(since) if since else None,
        started_before=to_ms(until) if until else None,
        tag=_blank_is_none(tag),
    )
    if limit > STREAM_FROM:
        with db.read() as conn:
            stream = run_stream.plan(
                conn, filters, limit=limit, cursor=cursor or None, offset=offset
            )
        chunks = (runs_json(chunk, metadata_form) for chunk in run_stream.chunks(db, stream))
        return streamed_page(request, chunks, stream.next_cursor)
    with db.read() as conn:
        listed = run_service.list_runs(
            conn, filters, limit=limit, cursor=cursor or None, offset=offset
        )
    return page_response(request, runs_json(listed.runs, metadata_form), listed.next_cursor)


@router.get("/api/runs/{run_id}", response_model=RunDetail, responses=error_responses(404))
def get_run(
    run_id: str,
    metadata_form: MetadataForm = MetadataFormat,
    db: Database = Depends(get_db),
) -> Response:
    """`{run, evaluations, telemetry}`; 404 `{"error": "Run not found"}` for an unknown run."""
    with db.read() as conn:
        return json_response(record_json(run_service.get_run(conn, run_id), metadata_form))


@router.get(
    "/api/runs/{run_id}/evaluations",
    response_model=list[Evaluation],
    responses=error_responses(404),
)
def get_run_evaluations(run_id: str, db: Database = Depends(get_db)) -> Response:
    with db.read() as conn:
        evaluations = run_service.get_run_evaluations(conn, run_id)
    return json_response([evaluation_json(e) for e in evaluations])


@router.get(
    "/api/runs/{run_id}/telemetry",
    response_model=Telemetry | None,
    responses=error_responses(404),
)
def get_run_telemetry(run_id: str, db: Database = Depends(get_db)) -> Response:
    """The run's telemetry, or `null` when it was stored without any."""
    with db.read() as conn:
        tele = run_service.get_run_telemetry(conn, run_id)
    return json_response(telemetry_json(tele))


@router.get(
    "/api/runs/{run_id}/transcript",
    responses={
        200: {"description": "The transcript document as the harness sent it"},
        **error_responses(404),
    },
)
def get_run_transcript(run_id: str, db: Database = Depends(get_db)) -> Response:
    """Messages, tool calls and their results; 404 when the run has no transcript."""
    with db.read() as conn:
        content = run_service.get_run_transcript(conn, run_id)
    return json_response(parse_json_text(content))
