"""CORS, body-size limit and rate limiting."""

from __future__ import annotations

from fastapi import FastAPI

from zebench.config import Settings


def install_middleware(app: FastAPI, settings: Settings) -> None:
    pass
