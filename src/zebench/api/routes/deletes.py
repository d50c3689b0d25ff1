"""Removal: DELETE /api/runs/{runId} and DELETE /api/batches/{batchId} (admin key only).

Statistics, pre-aggregates and batch totals afterwards are exactly what a fresh
import of the remaining runs would give (``zebench.service.deletion``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from starlette.responses import Response

from zebench.api.auth import Principal, require_admin_key
from zebench.api.deps import get_db
from zebench.api.openapi import error_responses
from zebench.api.responses import json_response
from zebench.service import deletion
from zebench.store.database import Database

router = APIRouter(tags=["clean-up"])


class DeleteResponse(BaseModel):
    deletedRuns: int
    deletedBatches: int
    runIds: list[str]
    batchIds: list[str]


@router.delete(
    "/api/runs/{run_id}",
    response_model=DeleteResponse,
    responses=error_responses(401, 403, 404, 429),
)
async def delete_run(
    run_id: str,
    _key: Principal = Depends(require_admin_key),
    db: Database = Depends(get_db),
) -> Response:
    """Delete one run with its evaluations, telemetry and transcript; 404 when unknown.
    Its batch's totals and every statistic are recomputed without it."""
    deleted = await db.awrite(lambda conn: deletion.delete_run(conn, run_id))
    return json_response(deleted.as_json())


@router.delete(
    "/api/batches/{batch_id}",
    response_model=DeleteResponse,
    responses=error_responses(401, 403, 404, 429),
)
async def delete_batch(
    batch_id: str,
    _key: Principal = Depends(require_admin_key),
    db: Database = Depends(get_db),
) -> Response:
    """Delete a batch, its tags and every one of its runs; 404 when unknown."""
    deleted = await db.awrite(lambda conn: deletion.delete_batch(conn, batch_id))
    return json_response(deleted.as_json())
