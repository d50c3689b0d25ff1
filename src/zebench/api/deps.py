"""Request-scoped dependencies shared by the routes."""

from __future__ import annotations

from fastapi import Request

from zebench.config import Settings
from zebench.store.database import Database


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
