"""Error handlers: every error is JSON ``{"error", "details"}``; no traceback reaches a client."""

from __future__ import annotations

from fastapi import FastAPI


def install_error_handlers(app: FastAPI) -> None:
    pass
