"""CORS, the body-size limit and the last line of error handling, as one ASGI layer.

CORS follows the original Worker: every response carries the CORS headers and
any OPTIONS request is a preflight answered 204. Reads (GET, HEAD) are open to
every origin; other methods are allowed only from ``settings.cors_origins``
(``["*"]`` by default, as in the original).

Bodies over ``settings.max_body_bytes`` are refused with 413, from the
Content-Length up front or while a chunked body streams in. An exception no
handler took becomes a generic 500 JSON answer and is logged with its
traceback here, never sent to the client; a client that went away mid-request
is no error and is only noted at debug level.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zebench.api.errors import BodyTooLarge
from zebench.api.responses import error_response
from zebench.config import ServerSettings

log = logging.getLogger("zebench.api")

_READ_METHODS = frozenset({"GET", "HEAD"})
_COMMON_CORS = [
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Content-Type, Authorization"),
    (b"access-control-max-age", b"86400"),
    (b"access-control-expose-headers", b"Link, X-Next-Cursor, Retry-After"),
]


class ApiMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: ServerSettings,
    ) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        self.any_origin = "*" in settings.cors_origins
        self.origins = {o.rstrip("/") for o in settings.cors_origins}

    def _cors(self, method: str, origin: str | None) -> list[tuple[bytes, bytes]]:
        """The CORS headers for a request of ``method`` (for a preflight, the requested one)."""
        if method in _READ_METHODS or self.any_origin:
            allowed = b"*"
        elif origin is not None and origin.rstrip("/") in self.origins:
            allowed = origin.encode("latin-1")
        else:
            return [(b"vary", b"Origin")]
        headers = [(b"access-control-allow-origin", allowed), *_COMMON_CORS]
        if allowed != b"*":
            headers.append((b"vary", b"Origin"))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        method: str = scope["method"]
        origin = headers.get("origin")
        if method == "OPTIONS":
            requested = headers.get("access-control-request-method", "GET").upper()
            await _send_empty(send, 204, self._cors(requested, origin))
            return
        cors = self._cors(method, origin)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            response = error_response(413, "Request body too large", {"limitBytes": self.max_body})
            response.raw_headers.extend(cors)
            await response(scope, receive, send)
            return

        started = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def send_with_cors(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", ()), *cors]}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_cors)
        except (ClientDisconnect, ConnectionError) as exc:
            log.debug(
                "client went away during %s %s (%s)",
                method,
                scope.get("path"),
                exc.__class__.__name__,
            )
        except Exception:
            log.exception("unhandled error on %s %s", method, scope.get("path"))
            if started:
                raise
            response = error_response(500, "Internal server error")
            response.raw_headers.extend(cors)
            await response(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


async def _send_empty(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": b""})
