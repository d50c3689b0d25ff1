"""The server: the results API, the dashboard and the schedulers assembled into one
ASGI app, and the process set-up of a server that serves it.

``create_app`` is what tests and embedders call; ``serving_app`` is what
``zebench serve`` runs in each server process (uvicorn calls it as a factory).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from zebench import __version__
from zebench.config import Settings, get_settings
from zebench.store.database import Database
from zebench.store.migrate import upgrade

YOUNG_THRESHOLD = 10_000
"""Allocations between young collections (CPython's default is 700)."""


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the app. With no ``db`` one is opened (and migrated at start) from ``settings``."""
    settings = settings or get_settings()
    owns_db = db is None
    database = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owns_db:
            upgrade(database)
        # Scraping on settings.throughput.scrape_cron (None when unset); see zebench.throughput.
        from zebench.throughput import start_schedule
        from zebench.throughput.probe.schedule import start_probe_schedule

        scrape_schedule = start_schedule(app.state, settings.throughput)
        probe_schedule = start_probe_schedule(app.state, settings.throughput)
        # Batch completions to ZEBENCH_WEBHOOK_URL (None when unset); see zebench.webhooks.
        from zebench.webhooks import start_sender

        app.state.webhook_sender = start_sender(database, settings.server)
        try:
            yield
        finally:
            if app.state.webhook_sender is not None:
                await app.state.webhook_sender.stop()
            for schedule in (scrape_schedule, probe_schedule):
                if schedule is not None:
                    await schedule.stop()
            if owns_db:
                database.close()

    app = FastAPI(
        title="ze-benchmarks results service",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.db = database
    from zebench.webhooks import notify_settings

    app.state.notify = notify_settings(settings.server)

    from zebench.api.app import install_api
    from zebench.web import routes as web_routes

    install_api(app, settings)
    web_routes.mount(app)
    return app


def serving_app() -> FastAPI:
    """The app of one server process, from the environment (``zebench serve`` sets it),
    with the process tuned for serving. Not for tests or short commands."""
    app = create_app(Settings())
    tune_for_serving()
    return app


def tune_for_serving() -> None:
    """Garbage-collector settings for a long-running server, once the app is built.

    By then the process holds hundreds of thousands of objects for life (routes,
    pydantic and SQLAlchemy models, compiled statements). Every full collection
    walked them all, and those walks were the longest pauses requests saw: under 16
    concurrent writers p99 was ~90 ms against a p50 of 16 ms. Frozen, they are out
    of the collector's sight, and young objects are collected in larger rounds; p99
    fell to ~30 ms (see docs/benchmarks.md). Frozen objects are never collected,
    hence servers only.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, max(middle, 20), max(old, 100))
