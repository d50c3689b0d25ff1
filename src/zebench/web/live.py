"""The data version, polled by open pages to update themselves when results arrive.

Pages poll ``GET /live/version`` about once a second with ``If-None-Match``;
while nothing changed the answer is an empty 304. The version is read from
the database, so it is right whichever server process answers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from zebench.web.pages.common import dashboard

router = APIRouter(include_in_schema=False)


@router.get("/live/version")
def live_version(request: Request) -> Response:
    version = dashboard(request).version()
    etag = f'"{version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse({"version": version}, headers=headers)
