"""``zebench serve``: the results API and dashboard on one port."""

from __future__ import annotations

from typing import Annotated

import typer

from zebench.cli.options import DatabaseUrl


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[
        str, typer.Option(envvar="ZEBENCH_HOST", help="Interface to bind.")
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(envvar="ZEBENCH_PORT", min=1, max=65535, help="Port to listen on."),
    ] = 8787,
    database_url: DatabaseUrl = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    scrape: Annotated[
        str | None,
        typer.Option(
            envvar="ZEBENCH_SCRAPE_CRON",
            help="Also scrape the throughput leaderboard on this cron schedule (UTC), "
            'e.g. "*/10 * * * *".',
        ),
    ] = None,
) -> None:
    """Serve the results API and the dashboard (embedded SQLite unless told otherwise).

    The database is created and migrated on start. On an interface other than
    loopback a write key must be configured (API_SECRET_KEY or `zebench keys
    create`): dev-local-key is only accepted on loopback.
    """
    import os
    import sys

    import uvicorn

    from zebench.api.auth import is_loopback
    from zebench.cli.options import display_url, open_database
    from zebench.config import Settings
    from zebench.errors import UserError
    from zebench.service.keys import has_active_keys

    overrides: dict[str, object] = {"host": host, "port": port}
    if database_url:
        overrides["database_url"] = database_url
    if scrape:
        from zebench.throughput.scheduler import check_cron

        try:
            overrides["scrape_cron"] = check_cron(scrape)
        except ValueError as exc:
            raise UserError(f"--scrape: {exc}") from None
    settings = Settings(**overrides)  # type: ignore[arg-type]
    url = settings.resolved_database_url()
    db = open_database(url)
    try:
        if not is_loopback(host) and not settings.api_secret_key:
            with db.read() as conn:
                keyed = has_active_keys(conn)
            if not keyed:
                raise UserError(
                    f"refusing to listen on {host} without a write key: set API_SECRET_KEY or "
                    "run `zebench keys create --name NAME` (dev-local-key works only on loopback)"
                )
    finally:
        db.close()

    # Worker processes build their app from the environment (zebench.api.asgi).
    os.environ["ZEBENCH_DATABASE_URL"] = url
    os.environ["ZEBENCH_HOST"] = host
    os.environ["ZEBENCH_PORT"] = str(port)
    if settings.scrape_cron:
        os.environ["ZEBENCH_SCRAPE_CRON"] = settings.scrape_cron
    sys.stderr.write(
        f"zebench: serving http://{host}:{port}/ with {workers} worker(s), "
        f"database {display_url(url)}\n"
    )
    app: object = "zebench.api.asgi:app"
    if workers == 1:
        from zebench.api.app import create_app
        from zebench.api.gc_tuning import tune_for_serving

        app = create_app(settings)
        tune_for_serving()
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
