"""Reads of batches: list, compare, one batch with its runs, analytics."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from zebench.api.deps import get_db
from zebench.api.openapi import error_responses
from zebench.api.pagination import next_page_headers
from zebench.api.responses import json_response
from zebench.api.routes.runs import MetadataFormat
from zebench.api.schemas import Batch, BatchAnalytics, BatchDetail
from zebench.api.serializers.batches import (
    API_SORTS,
    analytics_json,
    batch_json,
    compared_json,
)
from zebench.api.serializers.runs import MetadataForm, runs_json
from zebench.bounds import LIST_LIMIT_MAX, OFFSET_MAX
from zebench.service import batches as batch_service
from zebench.service.batch_analytics import batch_figures
from zebench.service.batch_comparison import batch_ids
from zebench.service.batch_comparison import compare_batches as compare
from zebench.service.runs import runs_of_batch
from zebench.store.database import Database

router = APIRouter(tags=["batches"])


@router.get("/api/batches", response_model=list[Batch], responses=error_responses(422))
def list_batches(
    request: Request,
    limit: int = Query(20, ge=0, le=LIST_LIMIT_MAX),
    cursor: str | None = Query(None, description="`X-Next-Cursor` of the previous page"),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
    status: Literal["completed", "running"] | None = None,
    sort_by: Literal["date", "score"] = Query("date", alias="sortBy"),
    tag: str | None = Query(None, max_length=100, description="only batches with this tag"),
    db: Database = Depends(get_db),
) -> Response:
    """Batches newest first (or best average weighted score first with `sortBy=score`);
    `status=completed` keeps batches with a completion time, `running` the others;
    `tag` the batches tagged so (`zebench batch --tag`)."""
    if cursor:
        offset = batch_service.decode_offset_cursor(cursor)
    flt = batch_service.BatchFilter(status=status, tag=tag or None)
    with db.read() as conn:
        page = batch_service.list_batches(
            conn, flt, sort=API_SORTS[sort_by], offset=offset, limit=limit
        )
    cursor = None if page.next_offset is None else str(page.next_offset)
    return json_response(
        [batch_json(b) for b in page.rows], headers=next_page_headers(request, cursor)
    )


# Declared before /api/batches/{batch_id}: the original's router let that route
# swallow "compare" as a batch id.
@router.get("/api/batches/compare", response_model=list[Batch], responses=error_responses(400, 422))
def compare_batches(
    ids: str | None = Query(None, description="comma-separated batch ids"),
    db: Database = Depends(get_db),
) -> Response:
    """The named batches that exist, newest first."""
    with db.read() as conn:
        found = compare(conn, batch_ids(ids or ""), scored=False)
    return json_response(compared_json(found))


@router.get("/api/batches/{batch_id}", response_model=BatchDetail, responses=error_responses(404))
def get_batch(
    batch_id: str,
    metadata_form: MetadataForm = MetadataFormat,
    db: Database = Depends(get_db),
) -> Response:
    """The batch and every one of its runs, oldest first; 404 for an unknown batch."""
    with db.read() as conn:
        batch = batch_json(batch_service.get_batch(conn, batch_id))
        batch["runs"] = runs_json(runs_of_batch(conn, batch_id), metadata_form)
    return json_response(batch)


@router.get(
    "/api/batches/{batch_id}/analytics",
    response_model=BatchAnalytics,
    responses=error_responses(404),
)
def get_batch_analytics(batch_id: str, db: Database = Depends(get_db)) -> Response:
    """Per suite/scenario, agent/model and evaluator figures over the batch's runs."""
    with db.read() as conn:
        figures = batch_figures(conn, batch_id)
    return json_response(analytics_json(figures))
