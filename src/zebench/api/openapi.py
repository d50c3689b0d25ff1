"""What /openapi.json says beyond what FastAPI infers from the routes.

The write routes parse their bodies themselves (an object or an array, and
authentication before parsing), so their request schemas are added here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from zebench.api.schemas import ErrorResponse
from zebench.model.results import BatchIn, ResultIn

_ERROR_TEXT = {
    400: "Malformed JSON, or a required query parameter missing",
    401: "No `Authorization: Bearer <key>` header",
    403: "The key is not accepted (or lacks the scope)",
    404: "Unknown route or resource",
    409: "The runId exists with different content",
    413: "Body larger than the configured limit",
    422: "A field is invalid; `details` names each one by its camelCase path",
    429: "The key's write rate limit is exhausted; see Retry-After",
    503: "The database cannot be reached",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse, "description": _ERROR_TEXT[code]} for code in codes}


def body_schema(ref: str, *, array_too: bool = False) -> dict[str, Any]:
    """An ``openapi_extra`` request body referring to a schema added by ``install_openapi``."""
    one: dict[str, Any] = {"$ref": f"#/components/schemas/{ref}"}
    schema = {"oneOf": [one, {"type": "array", "items": one}]} if array_too else one
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def install_openapi(app: FastAPI, *, documented: Sequence[BaseRoute] = ()) -> None:
    """/openapi.json from the app's routes plus ``documented`` (routes described here
    but served by explicit Starlette routes), with the write bodies' schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=[*documented, *app.routes],
        )
        _, defs = models_json_schema(
            [(ResultIn, "validation"), (BatchIn, "validation")],
            ref_template="#/components/schemas/{model}",
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model_schema in defs.get("$defs", {}).items():
            components.setdefault(name, model_schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
