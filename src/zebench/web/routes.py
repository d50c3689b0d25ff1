"""Dashboard pages and static files, mounted at / beside the API under /api."""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from zebench.service.analytics.dashboard import Dashboard
from zebench.web.rendering import STATIC_DIR, compile_templates

PAGE_MODULES = (
    "overview",
    "runs",
    "batches",
    "leaderboard",
    "trends",
    "costs",
    "suites",
    "evaluators",
)
OPTIONAL_PAGE_MODULES = ("models",)
"""Pages other parts of zebench add (the model-throughput leaderboard)."""

_YEAR = 365 * 24 * 3600


def plotly_bundle() -> Path:
    """The minified plotly.js shipped inside the ``plotly`` Python package."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise RuntimeError("the plotly package is not installed")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


def _plotly_version() -> str:
    from importlib.metadata import version

    return version("plotly")


def _warm_up_after_start(app: FastAPI, board: Dashboard) -> None:
    """Once the app has started (the database is migrated), compile the templates, then
    compute the pages' default figures in a background thread."""
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with started(app) as state:
            # Before the first request, so that none waits for its template to compile.
            compile_templates()
            threading.Thread(target=board.warm_up, name="zebench-warm-up", daemon=True).start()
            yield state

    app.router.lifespan_context = lifespan


def mount(app: FastAPI) -> None:
    """Add the dashboard to ``app``: pages, live version endpoint, static files."""
    from zebench.web import live

    board = Dashboard(app.state.db)
    app.state.dashboard = board
    _warm_up_after_start(app, board)
    bundle = plotly_bundle()
    vendor_path = f"/static/vendor/plotly-{_plotly_version()}.min.js"
    app.state.plotly_url = vendor_path

    @app.get(vendor_path, include_in_schema=False)
    def plotly_js() -> Response:
        # Versioned URL: browsers may keep it for a year and never ask again.
        return FileResponse(
            bundle,
            media_type="text/javascript",
            headers={"Cache-Control": f"public, max-age={_YEAR}, immutable"},
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="web-static")
    app.include_router(live.router)
    for name in PAGE_MODULES:
        module = importlib.import_module(f"zebench.web.pages.{name}")
        app.include_router(module.router)
    for name in OPTIONAL_PAGE_MODULES:
        try:
            module = importlib.import_module(f"zebench.web.pages.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"zebench.web.pages.{name}":
                raise
            continue
        app.include_router(module.router)
