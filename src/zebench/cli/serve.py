"""``zebench serve``: the results API and dashboard on one port."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="ZEBENCH_DATABASE_URL", help="sqlite:///path or postgresql://…"),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Serve the results API and the dashboard (embedded SQLite unless told otherwise)."""
    import uvicorn

    from zebench.config import Settings
    from zebench.store.database import Database
    from zebench.store.migrate import upgrade

    overrides = {"host": host, "port": port}
    if database_url:
        overrides["database_url"] = database_url
    settings = Settings(**overrides)  # type: ignore[arg-type]
    db = Database(settings.resolved_database_url())
    upgrade(db)
    db.close()
    import os

    os.environ["ZEBENCH_DATABASE_URL"] = settings.resolved_database_url()
    uvicorn.run(
        "zebench.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
