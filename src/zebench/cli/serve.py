"""``zebench serve``: the results API and dashboard on one port."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zebench.cli.options import DatabaseUrl

if TYPE_CHECKING:
    from zebench.config import Settings

Host = Annotated[str, typer.Option(envvar="ZEBENCH_HOST", help="Interface to bind.")]
Port = Annotated[
    int, typer.Option(envvar="ZEBENCH_PORT", min=1, max=65535, help="Port to listen on.")
]
Workers = Annotated[int, typer.Option(min=1, help="Server processes.")]
ScrapeCron = Annotated[
    str | None,
    typer.Option(
        envvar="ZEBENCH_SCRAPE_CRON",
        help="Also scrape the throughput leaderboard on this cron schedule (UTC), "
        'e.g. "*/10 * * * *".',
    ),
]
ProbeCron = Annotated[
    str | None,
    typer.Option(
        envvar="ZEBENCH_PROBE_CRON",
        help="Also re-probe the --probe-targets endpoints on this cron schedule (UTC), "
        'e.g. "0 * * * *".',
    ),
]
ProbeTargets = Annotated[
    Path | None,
    typer.Option(
        envvar="ZEBENCH_PROBE_TARGETS",
        help="TOML or JSON file of the endpoints to probe (see docs/throughput.md).",
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Host = "127.0.0.1",
    port: Port = 8787,
    database_url: DatabaseUrl = None,
    workers: Workers = 1,
    scrape: ScrapeCron = None,
    probe_schedule: ProbeCron = None,
    probe_targets: ProbeTargets = None,
) -> None:
    """Serve the results API and the dashboard (embedded SQLite unless told otherwise).

    The database is created and migrated on start. On an interface other than
    loopback a write key must be configured (API_SECRET_KEY or `zebench keys
    create`): dev-local-key is only accepted on loopback.
    """
    import sys

    import uvicorn

    from zebench.cli.options import display_url

    throughput = {**_scrape_overrides(scrape), **_probe_overrides(probe_schedule, probe_targets)}
    settings = _checked_settings(database_url, {"host": host, "port": port}, throughput)
    url = settings.database_url
    _require_write_key(settings, host, url)
    _export_to_workers(settings, url, host, port)
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


def _scrape_overrides(cron: str | None) -> dict[str, object]:
    """Checked now, so a wrong schedule stops the start with one line."""
    if not cron:
        return {}
    from zebench.errors import UserError
    from zebench.throughput.scheduler import check_cron

    try:
        return {"scrape_cron": check_cron(cron)}
    except ValueError as exc:
        raise UserError(f"--scrape: {exc}") from None


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


def _checked_settings(
    database_url: str | None, server: dict[str, object], throughput: dict[str, object]
) -> Settings:
    """The settings with the webhook targets checked, so a wrong URL stops the start."""
    from zebench.config import load_settings
    from zebench.errors import UserError
    from zebench.webhooks import parse_targets

    settings = load_settings(database_url, server=server, throughput=throughput)
    try:
        parse_targets(settings.server.webhook_url)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return settings


def _require_write_key(settings: Settings, host: str, url: str) -> None:
    """Off loopback, refuse to start unless a write key is configured (the database
    is opened, and so created and migrated, either way)."""
    from zebench.api.auth import is_loopback
    from zebench.cli.options import open_database
    from zebench.errors import UserError
    from zebench.service.keys import has_active_keys

    db = open_database(url)
    try:
        if not is_loopback(host) and not settings.server.api_secret_key:
            with db.read() as conn:
                keyed = has_active_keys(conn)
            if not keyed:
                raise UserError(
                    f"refusing to listen on {host} without a write key: set API_SECRET_KEY or "
                    "run `zebench keys create --name NAME` (dev-local-key works only on loopback)"
                )
    finally:
        db.close()


def _export_to_workers(settings: Settings, url: str, host: str, port: int) -> None:
    """Each server process builds its app from the environment
    (``zebench.server.serving_app``), so what was resolved here is put there."""
    import os

    os.environ["ZEBENCH_DATABASE_URL"] = url
    os.environ["ZEBENCH_HOST"] = host
    os.environ["ZEBENCH_PORT"] = str(port)
    if settings.throughput.scrape_cron:
        os.environ["ZEBENCH_SCRAPE_CRON"] = settings.throughput.scrape_cron
    if settings.throughput.probe_cron and settings.throughput.probe_targets:
        os.environ["ZEBENCH_PROBE_CRON"] = settings.throughput.probe_cron
        os.environ["ZEBENCH_PROBE_TARGETS"] = str(settings.throughput.probe_targets.resolve())
