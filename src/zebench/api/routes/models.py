"""The model throughput leaderboard: ``/api/models`` and ``POST /api/scrape``."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from zebench.api.auth import require_admin_key
from zebench.api.deps import DatabaseDep
from zebench.api.openapi import error_responses
from zebench.api.schemas import ErrorResponse
from zebench.model.errors import Conflict, ServiceError
from zebench.throughput import cycle_out, get_model, list_models, scraper_for
from zebench.throughput.schemas import CycleOut, ModelDetail, ModelList, SortKey

router = APIRouter(tags=["models"])

CACHE_CONTROL = "public, max-age=300"
"""As the original: the figures change every 10 minutes at most."""


class SourceUnavailable(ServiceError):
    status_code = 502


_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged since the ETag sent in If-None-Match"}
}


@router.get(
    "/api/models",
    response_model=ModelList,
    responses={**_NOT_MODIFIED, **error_responses(422)},
)
def models_index(
    request: Request,
    db: DatabaseDep,
    sort: SortKey = "tps",
    order: Literal["asc", "desc"] | None = Query(
        None, description="Default: each key's natural order (fastest, lowest latency first)"
    ),
    q: str | None = Query(None, max_length=200, description="Substring of the name or id"),
    include_delisted: bool = False,
    source: Literal["scraped", "probe"] | None = Query(
        None, description="Only scraped models (Chutes) or only probed endpoints"
    ),
) -> Response:
    """Every listed model, fastest first; an empty list before the first scrape or probe."""
    result = list_models(
        db, sort=sort, order=order, q=q, include_delisted=include_delisted, origin=source
    )
    return _cacheable(request, result.model_dump_json().encode())


@router.get(
    "/api/models/{chute_id}",
    response_model=ModelDetail,
    responses={**_NOT_MODIFIED, **error_responses(404)},
)
def models_show(request: Request, chute_id: str, db: DatabaseDep) -> Response:
    """One model and its daily history (newest first); 404 when unknown."""
    return _cacheable(request, get_model(db, chute_id).model_dump_json().encode())


@router.post(
    "/api/scrape",
    response_model=CycleOut,
    dependencies=[Depends(require_admin_key)],
    responses={
        **error_responses(401, 403, 429),
        409: {"model": ErrorResponse, "description": "Another process holds the scrape lease"},
        502: {"model": ErrorResponse, "description": "The source failed; nothing was changed"},
    },
)
async def scrape_now(request: Request) -> CycleOut:
    """Run one scrape cycle now and answer its summary (an admin key is needed)."""
    summary = await scraper_for(request.app.state).run_cycle()
    out = cycle_out(summary)
    if summary.status == "skipped":
        raise Conflict(out.summary, out.model_dump())
    if summary.status == "failed":
        raise SourceUnavailable(out.summary, out.model_dump())
    return out


def _cacheable(request: Request, body: bytes) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates
