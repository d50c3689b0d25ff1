"""Every setting and environment variable, typed, in one place.

Settings are read from the environment (``ZEBENCH_*`` plus the original
system's names ``API_SECRET_KEY``, ``ZE_BENCHMARKS_WORKER_URL`` and
``ZE_BENCHMARKS_API_KEY``); CLI options override them by constructing
``Settings(**overrides)``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_LOCAL_KEY = "dev-local-key"
"""Accepted as a write key only while the server is bound to loopback and no key is set."""

DEFAULT_PORT = 8787


def default_home() -> Path:
    """Where zebench keeps its embedded database, spool and workspaces."""
    env = os.environ.get("ZEBENCH_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "zebench"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZEBENCH_", extra="ignore", populate_by_name=True)

    home: Path = Field(default_factory=default_home)
    database_url: str | None = None
    """SQLAlchemy URL; ``sqlite:///…`` (default, under ``home``) or ``postgresql://…``."""

    # --- results service -------------------------------------------------
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    api_secret_key: str | None = Field(
        default=None, validation_alias=AliasChoices("API_SECRET_KEY", "ZEBENCH_API_SECRET_KEY")
    )
    cors_origins: list[str] = ["*"]
    """Origins allowed to read the API from a browser (GET is open, as in the original)."""
    max_body_bytes: int = 10 * 1024 * 1024
    rate_limit_per_minute: int = 6000
    """Writes per key per minute before 429; 0 disables the limit."""

    # --- harness / delivery ----------------------------------------------
    worker_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZE_BENCHMARKS_WORKER_URL", "ZEBENCH_WORKER_URL"),
    )
    api_key: str = Field(
        default=DEV_LOCAL_KEY,
        validation_alias=AliasChoices("ZE_BENCHMARKS_API_KEY", "ZEBENCH_API_KEY"),
    )
    suites_dir: Path | None = None
    spool_dir: Path | None = None
    workspaces_dir: Path | None = None

    # --- model throughput leaderboard ------------------------------------
    chutes_api_url: str = "https://api.chutes.ai"
    chutes_llm_url: str = "https://llm.chutes.ai"
    chutes_web_url: str = "https://chutes.ai"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'zebench.db'}"

    def resolved_spool_dir(self) -> Path:
        return self.spool_dir or self.home / "spool"

    def resolved_workspaces_dir(self) -> Path:
        return self.workspaces_dir or self.home / "workspaces"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
