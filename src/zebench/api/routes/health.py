"""GET /health: the service is up and its database answers."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from starlette.responses import Response

from zebench.api.deps import get_db
from zebench.api.openapi import error_responses
from zebench.api.responses import error_response, json_response
from zebench.api.schemas import Health
from zebench.model.time import now_ms, to_iso
from zebench.store.database import Database

log = logging.getLogger("zebench.api")

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses=error_responses(503))
def health(db: Database = Depends(get_db)) -> Response:
    """``{"status": "ok", "timestamp"}`` once the database answered a query; 503 otherwise."""
    try:
        with db.read() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        log.warning("health check: database unavailable: %s", exc)
        return error_response(503, "Database unavailable", {"reason": exc.__class__.__name__})
    return json_response({"status": "ok", "timestamp": to_iso(now_ms())})
