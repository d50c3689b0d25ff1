"""Writes: POST /api/results (one result, or an array of them) and POST /api/results/batch.

One result answers 201 ``{"success": true, "runId"}`` when stored, 200 with
``"duplicate": true`` when the same content was already stored, 409 when the
runId exists with different content.

An array (the bulk form, for sync and imports) answers per-item outcomes in
``BulkSubmitResponse``: 200 when every item was stored or was a duplicate, 207
(Multi-Status) when at least one was not. Each item is validated and stored on
its own, in its own transaction, so a bad item never sinks the others.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal, TypeVar

import pydantic_core
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from zebench.api.auth import Principal, authorize_write, require_write_key
from zebench.api.deps import get_db
from zebench.api.errors import body_validation_error, field_errors, validation_response
from zebench.api.openapi import body_schema, error_responses
from zebench.api.responses import json_response
from zebench.api.schemas import (
    BatchSubmitResponse,
    BulkItemOutcome,
    BulkSubmitResponse,
    SubmitResponse,
)
from zebench.model.errors import ServiceError
from zebench.model.results import BatchIn, ResultIn
from zebench.service.results import asubmit_result, upsert_batch
from zebench.store.database import Database

log = logging.getLogger("zebench.api")

router = APIRouter(tags=["writes"])

_PG_BULK_CONCURRENCY = 8
"""Items of one bulk request stored at once on PostgreSQL (each its own transaction)."""


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise body_validation_error(exc) from None


DOCUMENTED = APIRouter(tags=["writes"])
"""Routes served elsewhere (explicit Starlette routes, see ``zebench.api.app``) and
described here for /openapi.json."""


@DOCUMENTED.post(
    "/api/results",
    status_code=201,
    response_model=SubmitResponse,
    responses={
        200: {
            "description": "One result already stored with the same content "
            "(`SubmitResponse` with `duplicate: true`), or a bulk array fully stored "
            "(`BulkSubmitResponse`)",
            "model": SubmitResponse | BulkSubmitResponse,
        },
        207: {
            "description": "A bulk array with some items not stored",
            "model": BulkSubmitResponse,
        },
        **error_responses(400, 401, 403, 409, 413, 422, 429),
    },
    openapi_extra={**body_schema("ResultIn", array_too=True), "security": [{"HTTPBearer": []}]},
)
async def submit_results(request: Request) -> Response:
    """Store one benchmark run (or an array of them) with evaluations, telemetry, transcript."""
    # An explicit Starlette route (no dependencies): authorised by a direct call, its
    # OpenAPI security declared in openapi_extra.
    await authorize_write(request, request.headers.get("authorization"))
    db: Database = request.app.state.db
    body = await request.body()
    if body.lstrip()[:1] == b"[":
        return await _submit_bulk(db, body)
    result = _parse(ResultIn, body)
    outcome = await asubmit_result(db, result)
    duplicate = outcome.status == "duplicate"
    return json_response(
        {"success": True, "runId": outcome.run_id, "duplicate": duplicate},
        200 if duplicate else 201,
    )


async def _submit_bulk(db: Database, body: bytes) -> Response:
    # pydantic's parser, as for a single result: the same numbers reach validation
    # (an integer past 64 bits stays one, NaN is a number to refuse by name).
    try:
        items = pydantic_core.from_json(body)
    except ValueError as exc:
        return validation_response([{"type": "json_invalid", "ctx": {"error": str(exc)}}])
    limit = asyncio.Semaphore(_PG_BULK_CONCURRENCY if not db.is_sqlite else len(items) or 1)

    async def one(index: int, item: Any) -> BulkItemOutcome:
        claimed = item.get("runId") if isinstance(item, dict) else None
        run_id = claimed if isinstance(claimed, str) else None
        try:
            result = ResultIn.model_validate(item)
        except ValidationError as exc:
            details = field_errors(exc.errors(include_url=False))
            message = f"Invalid field '{details[0]['field'] or 'item'}': {details[0]['message']}"
            return BulkItemOutcome(
                index=index, runId=run_id, status="invalid", error=message, details=details
            )
        async with limit:
            try:
                outcome = await asubmit_result(db, result)
            except ServiceError as exc:
                status: Literal["conflict", "invalid"] = (
                    "conflict" if exc.status_code == 409 else "invalid"
                )
                return BulkItemOutcome(
                    index=index,
                    runId=result.run_id,
                    status=status,
                    error=exc.message,
                    details=exc.details,
                )
            except Exception as exc:
                log.exception("bulk item %d (%s) could not be stored", index, result.run_id)
                return BulkItemOutcome(
                    index=index,
                    runId=result.run_id,
                    status="error",
                    error=f"the store refused this item ({exc.__class__.__name__})",
                )
        return BulkItemOutcome(index=index, runId=outcome.run_id, status=outcome.status)

    outcomes = await asyncio.gather(*(one(i, item) for i, item in enumerate(items)))
    created = sum(o.status == "created" for o in outcomes)
    duplicates = sum(o.status == "duplicate" for o in outcomes)
    failed = len(outcomes) - created - duplicates
    answer = BulkSubmitResponse(
        success=failed == 0,
        created=created,
        duplicates=duplicates,
        failed=failed,
        results=list(outcomes),
    )
    return json_response(answer.model_dump(mode="json"), 200 if failed == 0 else 207)


@router.post(
    "/api/results/batch",
    status_code=201,
    response_model=BatchSubmitResponse,
    responses=error_responses(400, 401, 403, 413, 422, 429),
    openapi_extra=body_schema("BatchIn"),
)
async def submit_batch(
    request: Request,
    _key: Principal = Depends(require_write_key),
    db: Database = Depends(get_db),
) -> Response:
    """Create or update a batch's own fields (times, metadata). Totals sent by the
    client are ignored: the server computes them from the batch's stored runs."""
    batch = _parse(BatchIn, await request.body())
    notify = getattr(request.app.state, "notify", None)
    batch_id = await db.awrite(lambda conn: upsert_batch(conn, batch, notify=notify))
    sender = getattr(request.app.state, "webhook_sender", None)
    if sender is not None and batch.completed_at is not None:
        sender.wake()  # deliver now rather than at the next poll
    return json_response({"success": True, "batchId": batch_id}, 201)
