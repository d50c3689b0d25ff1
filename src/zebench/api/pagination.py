"""Pagination without changing the original array bodies: the next page is in headers.

``X-Next-Cursor`` holds the cursor to pass back as ``?cursor=``, and ``Link``
the whole next URL (``rel="next"``, relative to this one); both are absent on
the last page.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from zebench.api.responses import json_response
from zebench.service.runs import Page


def page_response(request: Request, page: Page) -> Response:
    headers: dict[str, str] = {}
    if page.next_cursor is not None:
        url = request.url.remove_query_params("offset").include_query_params(
            cursor=page.next_cursor
        )
        headers["X-Next-Cursor"] = page.next_cursor
        headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return json_response(page.items, headers=headers)
