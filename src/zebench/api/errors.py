"""Error handlers: every error is JSON ``{"error", "details"}``; no traceback reaches a client.

400 malformed JSON, 422 an invalid field (``details`` names each field by its
camelCase path, e.g. ``evaluations.0.score``), 404 unknown route or resource,
405, 409, 413, 429 and the statuses of ``zebench.model.errors``. Unexpected
exceptions become a generic 500 in ``zebench.api.middleware`` (logged there).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from zebench.api.responses import error_response
from zebench.model.errors import ServiceError

_HTTP_MESSAGES = {
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
}


class ApiError(Exception):
    """An HTTP-level refusal (auth, limits) raised by dependencies and middleware."""

    def __init__(
        self,
        status_code: int,
        message: str,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body past the limit; an HTTPException so that
    FastAPI's own body reading passes it through unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "Request body too large")
        self.limit = limit


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{field, in, message, type}``; ``field`` is the camelCase path."""
    out = []
    for err in errors:
        loc = list(err.get("loc", ()))
        source = loc.pop(0) if loc and loc[0] in ("body", "query", "path", "header") else "body"
        out.append(
            {
                "field": ".".join(str(part) for part in loc),
                "in": source,
                "message": err.get("msg", "invalid value"),
                "type": err.get("type", "value_error"),
            }
        )
    return out


def validation_response(errors: Sequence[Mapping[str, Any]]) -> Response:
    """400 when the body is not JSON at all, else 422 naming the invalid fields."""
    malformed = [e for e in errors if e.get("type") == "json_invalid"]
    if malformed:
        ctx = malformed[0].get("ctx") or {}
        reason = ctx.get("error") or malformed[0].get("msg", "invalid JSON")
        return error_response(400, "Malformed JSON", {"message": str(reason)})
    details = field_errors(errors)
    first = details[0]
    where = first["field"] or ("request body" if first["in"] == "body" else first["in"])
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return error_response(422, f"Invalid field '{where}': {first['message']}{more}", details)


def body_validation_error(exc: ValidationError) -> RequestValidationError:
    """A pydantic error from validating a request body by hand, as FastAPI would raise it."""
    errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
    return RequestValidationError(errors)


async def _on_validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return validation_response(exc.errors())


async def _on_http(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = _HTTP_MESSAGES.get(exc.status_code)
    if message is None:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    details = {"limitBytes": exc.limit} if isinstance(exc, BodyTooLarge) else None
    return error_response(exc.status_code, message, details, exc.headers)


async def _on_service(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status_code, exc.message, exc.details)


async def _on_api(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.message, exc.details, exc.headers)


_HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
    RequestValidationError: _on_validation,
    StarletteHTTPException: _on_http,
    ServiceError: _on_service,
    ApiError: _on_api,
}


def install_error_handlers(app: FastAPI) -> None:
    for kind, handler in _HANDLERS.items():
        app.add_exception_handler(kind, handler)
