"""Pagination without changing the original array bodies: the next page is in headers.

``X-Next-Cursor`` holds the cursor to pass back as ``?cursor=``, and ``Link``
the whole next URL (``rel="next"``, relative to this one); both are absent on
the last page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response, StreamingResponse

from zebench.api.responses import json_response


def next_page_headers(request: Request, next_cursor: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if next_cursor is not None:
        url = request.url.remove_query_params("offset").include_query_params(cursor=next_cursor)
        headers["X-Next-Cursor"] = next_cursor
        headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return headers


def page_response(request: Request, items: list[Any], next_cursor: str | None) -> Response:
    return json_response(items, headers=next_page_headers(request, next_cursor))


def streamed_page(
    request: Request, chunks: Iterator[list[dict[str, Any]]], next_cursor: str | None
) -> Response:
    """A JSON array written a chunk at a time (the body of a long list)."""

    def body() -> Iterator[bytes]:
        yield b"["
        sep = b""
        for items in chunks:
            if items:
                yield sep + b",".join(orjson.dumps(item) for item in items)
                sep = b","
        yield b"]"

    return StreamingResponse(
        body(), media_type="application/json", headers=next_page_headers(request, next_cursor)
    )
