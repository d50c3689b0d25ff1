"""The ASGI application: the results API under /api, the dashboard at /."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from zebench import __version__
from zebench.config import Settings, get_settings
from zebench.store.database import Database
from zebench.store.migrate import upgrade


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the app. With no ``db`` one is opened (and migrated) from ``settings``."""
    settings = settings or get_settings()
    owns_db = db is None
    database = db or Database(settings.resolved_database_url())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owns_db:
            upgrade(database)
        # Scraping on settings.scrape_cron (None when unset); see zebench.throughput.
        from zebench.throughput import start_schedule
        from zebench.throughput.probe.schedule import start_probe_schedule

        scrape_schedule = start_schedule(app.state, settings)
        probe_schedule = start_probe_schedule(app.state, settings)
        try:
            yield
        finally:
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

    from zebench.api.errors import install_error_handlers
    from zebench.api.middleware import install_middleware
    from zebench.api.openapi import install_openapi
    from zebench.api.routes import batches, bundles, health, models, results, runs, stats
    from zebench.web import routes as web_routes

    install_error_handlers(app)
    install_openapi(app)
    install_middleware(app, settings)
    for module in (health, results, runs, batches, stats, models, bundles):
        app.include_router(module.router)
    web_routes.mount(app)
    return app
