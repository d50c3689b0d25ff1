"""Requests carrying a NUL character in their path or query are answered here.

No stored value can contain NUL (``zebench.bounds`` refuses it on every write, and
PostgreSQL could not store it), so such a request can match nothing; passing it
on would only make PostgreSQL fail the query. A NUL in the query answers 422
naming the parameter, in the path 404, the same on every engine.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from zebench.api.responses import error_response

_NUL_MESSAGE = "must not contain NUL (\\u0000) characters"


class NulGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            if b"%00" in query or b"\x00" in query:
                for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                    if "\x00" in name or "\x00" in value:
                        field = name.replace("\x00", "\\u0000")
                        details = [
                            {"field": field, "in": "query", "message": _NUL_MESSAGE,
                             "type": "nul_character"}
                        ]  # fmt: skip
                        response = error_response(
                            422, f"Invalid field '{field}': {_NUL_MESSAGE}", details
                        )
                        await response(scope, receive, send)
                        return
            if "\x00" in scope["path"] or "\x00" in unquote(scope["path"]):
                await error_response(404, "Not found")(scope, receive, send)
                return
        await self.app(scope, receive, send)
