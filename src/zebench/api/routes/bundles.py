"""Suite bundles for distributed batches: PUT once by the submitter, GET by each worker.

Both directions need a write key: a suite may hold what its owner does not
publish. ``PUT /api/suites/{sha256}?suite=NAME`` answers 201 when stored, 200
when that hash was stored already (nothing written), 422 naming the field when
the path, the suite name or the body's hash is wrong. ``GET`` answers the
gzipped tarball, or 404; ``HEAD`` the same without the body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from zebench.api.auth import WriteKey
from zebench.api.deps import DatabaseDep
from zebench.api.openapi import error_responses
from zebench.api.responses import json_response
from zebench.model.errors import Invalid
from zebench.service import bundles as bundle_service

router = APIRouter(tags=["suites"])

_MEDIA_TYPE = "application/gzip"


def _checked_hash(sha256: str) -> str:
    if not bundle_service.SHA256.match(sha256):
        raise Invalid(
            "Invalid field 'sha256': expected 64 lowercase hex digits", {"field": "sha256"}
        )
    return sha256


@router.put(
    "/api/suites/{sha256}",
    status_code=201,
    responses={200: {"description": "Already stored"}, **error_responses(401, 403, 413, 422)},
    openapi_extra={
        "requestBody": {"required": True, "content": {_MEDIA_TYPE: {"schema": {"type": "string"}}}}
    },
)
async def put_bundle(
    request: Request,
    sha256: str,
    suite: Annotated[str, Query(description="the suite's directory name inside the tarball")],
    _key: WriteKey,
    db: DatabaseDep,
) -> Response:
    """Store a suite's gzipped tarball under the SHA-256 of its bytes."""
    content = await request.body()
    bundle_service.check_bundle(sha256, suite, content)
    outcome = await db.awrite(
        lambda conn: bundle_service.store_bundle(conn, sha256, suite, content)
    )
    body = {"success": True, "sha256": sha256, "duplicate": outcome == "duplicate"}
    return json_response(body, 200 if outcome == "duplicate" else 201)


@router.head("/api/suites/{sha256}", responses=error_responses(401, 403, 404, 422))
def head_bundle(sha256: str, _key: WriteKey, db: DatabaseDep) -> Response:
    """Whether the bundle is stored (its size in Content-Length's stead: X-Bundle-Size)."""
    with db.read() as conn:
        info = bundle_service.bundle_info(conn, _checked_hash(sha256))
    return Response(
        status_code=200,
        media_type=_MEDIA_TYPE,
        headers={"x-bundle-size": str(info.size_bytes), "x-suite": info.suite},
    )


@router.get("/api/suites/{sha256}", responses=error_responses(401, 403, 404, 422))
def get_bundle(sha256: str, _key: WriteKey, db: DatabaseDep) -> Response:
    """The bundle's bytes (``application/gzip``), with its suite in ``X-Suite``."""
    with db.read() as conn:
        info, content = bundle_service.bundle_content(conn, _checked_hash(sha256))
    return Response(content, media_type=_MEDIA_TYPE, headers={"x-suite": info.suite})
