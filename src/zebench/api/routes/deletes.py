"""Removal: DELETE /api/runs/{runId} and DELETE /api/batches/{batchId} (admin key only).

Statistics, pre-aggregates and batch totals afterwards are exactly what a fresh
import of the remaining runs would give (``zebench.service.deletion``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from zebench.api.auth import AdminKey
from zebench.api.deps import DatabaseDep
from zebench.api.openapi import error_responses
from zebench.api.responses import json_response
from zebench.service import deletion

router = APIRouter(tags=["clean-up"])


class DeleteResponse(BaseModel):
    deletedRuns: int
    deletedBatches: int
    runIds: list[str]
    batchIds: list[str]


_ANSWERS: dict[str, Any] = {
    "response_model": DeleteResponse,
    "responses": error_responses(401, 403, 404, 429),
}


@router.delete("/api/runs/{run_id}", **_ANSWERS)
async def delete_run(run_id: str, _key: AdminKey, db: DatabaseDep) -> Response:
    """Delete one run with its evaluations, telemetry and transcript; 404 when unknown.
    Its batch's totals and every statistic are recomputed without it."""
    deleted = await db.awrite(lambda conn: deletion.delete_run(conn, run_id))
    return json_response(deleted.as_json())


@router.delete("/api/batches/{batch_id}", **_ANSWERS)
async def delete_batch(batch_id: str, _key: AdminKey, db: DatabaseDep) -> Response:
    """Delete a batch, its tags and every one of its runs; 404 when unknown."""
    deleted = await db.awrite(lambda conn: deletion.delete_batch(conn, batch_id))
    return json_response(deleted.as_json())
