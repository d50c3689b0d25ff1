"""The results API (the original Worker's contract) as routes of the server's app."""

from __future__ import annotations

from fastapi import FastAPI

from zebench.config import Settings


def install_api(app: FastAPI, settings: Settings) -> None:
    """Add the API to ``app``: error answers, CORS and body limit, routes, /openapi.json.

    ``POST /api/results``, the hottest route, is an explicit Starlette route: it takes
    only the request (authorising, parsing and answering itself), so FastAPI's
    dependency and response-model machinery, which cost about as much as the handler,
    has nothing to do there. /openapi.json still describes it
    (``routes.results.DOCUMENTED``).
    """
    from zebench.api.errors import install_error_handlers
    from zebench.api.middleware import ApiMiddleware
    from zebench.api.nul_guard import NulGuard
    from zebench.api.openapi import install_openapi
    from zebench.api.routes import batches, bundles, deletes, health, models, results, runs, stats

    install_error_handlers(app)
    install_openapi(app, documented=results.DOCUMENTED.routes)
    # NulGuard inside ApiMiddleware: its answers carry the CORS headers too.
    app.add_middleware(NulGuard)
    app.add_middleware(ApiMiddleware, settings=settings.server)
    app.add_route("/api/results", results.submit_results, methods=["POST"])
    for module in (health, results, runs, batches, stats, models, bundles, deletes):
        app.include_router(module.router)
