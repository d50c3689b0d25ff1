"""``zebench serve``: the results API and dashboard on one port."""

from __future__ import annotations

from pathlib import Path
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
    probe_schedule: Annotated[
        str | None,
        typer.Option(
            envvar="ZEBENCH_PROBE_CRON",
            help="Also re-probe the --probe-targets endpoints on this cron schedule (UTC), "
            'e.g. "0 * * * *".',
        ),
    ] = None,
    probe_targets: Annotated[
        Path | None,
        typer.Option(
            envvar="ZEBENCH_PROBE_TARGETS",
            help="TOML or JSON file of the endpoints to probe (see docs/throughput.md).",
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
    overrides.update(_probe_overrides(probe_schedule, probe_targets))
    settings = Settings(**overrides)  # type: ignore[arg-type]
    from zebench.webhooks import parse_targets

    try:
        parse_targets(settings.webhook_url)
    except ValueError as exc:
        raise UserError(str(exc)) from None
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

    # Each server process builds its app from the environment (zebench.server.serving_app).
    os.environ["ZEBENCH_DATABASE_URL"] = url
    os.environ["ZEBENCH_HOST"] = host
    os.environ["ZEBENCH_PORT"] = str(port)
    if settings.scrape_cron:
        os.environ["ZEBENCH_SCRAPE_CRON"] = settings.scrape_cron
    if settings.probe_cron and settings.probe_targets:
        os.environ["ZEBENCH_PROBE_CRON"] = settings.probe_cron
        os.environ["ZEBENCH_PROBE_TARGETS"] = str(settings.probe_targets.resolve())
    sys.stderr.write(
        f"zebench: serving http://{host}:{port}/ with {workers} worker(s), "
        f"database {display_url(url)}\n"
    )
    uvicorn.run(
        "zebench.server:serving_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def _probe_overrides(cron: str | None, targets: Path | None) -> dict[str, object]:
    """Checked now, so a wrong schedule or targets file stops the start with one line."""
    from zebench.errors import UserError

    if not cron:
        return {}
    if targets is None:
        raise UserError("--probe-schedule needs --probe-targets FILE (the endpoints to probe)")
    from zebench.throughput.probe.targets import load_targets
    from zebench.throughput.scheduler import check_cron

    try:
        check_cron(cron)
    except ValueError as exc:
        raise UserError(f"--probe-schedule: {exc}") from None
    load_targets(targets)
    return {"probe_cron": cron, "probe_targets": targets}
