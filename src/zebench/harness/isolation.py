"""The sandbox a run gets: its configuration from settings, the scenario and the agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from zebench.config import Settings
from zebench.sandbox import Limits, Network, SandboxConfig
from zebench.suites.loader import LoadedScenario


def sandbox_config(
    settings: Settings,
    loaded: LoadedScenario | None = None,
    pass_env: tuple[str, ...] = (),
) -> SandboxConfig:
    """What the run's sandbox hides (zebench's home, spool, database and every workspace
    but the run's own), shows (the suite, read-only) and allows."""
    network: Network = settings.sandbox.sandbox_network or (
        loaded.scenario.sandbox.network if loaded is not None else "none"
    )
    hidden = [
        settings.home,
        settings.harness.workspaces_dir,
        settings.delivery.spool_dir,
        *_database_files(settings),
        *settings.sandbox.sandbox_hide,
    ]
    return SandboxConfig(
        provider=settings.sandbox.backend,
        network=network,
        limits=Limits(
            memory_mb=settings.sandbox.sandbox_memory_mb,
            processes=settings.sandbox.sandbox_max_processes,
            file_size_mb=settings.sandbox.sandbox_file_size_mb,
            cpu_seconds=settings.sandbox.sandbox_cpu_seconds,
        ),
        hidden=tuple(hidden),
        readable=(loaded.suite_dir,) if loaded is not None else (),
        pass_env=(*pass_env, *settings.sandbox.sandbox_pass_env),
    )


def _database_files(settings: Settings) -> list[Path]:
    """An SQLite database file (and its journals) wherever it is kept."""
    try:
        url = make_url(settings.database_url)
    except Exception:  # an unparsable URL fails where the database is opened, not here
        return []
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return []
    base = Path(url.database)
    return [base, *(base.with_name(base.name + end) for end in ("-wal", "-shm", "-journal"))]


def batch_isolation(settings: Settings) -> dict[str, Any]:
    """What contains the runs of a batch, for its metadata (each run records its own)."""
    config = sandbox_config(settings)
    return {
        "kind": config.provider,
        "network": settings.sandbox.sandbox_network or "per scenario",
        "limits": config.limits.to_json(),
    }
