"""The settings groups, one per subsystem (``zebench.config.Settings`` holds them).

A field ``name`` is read from ``ZEBENCH_NAME`` (``env_prefix`` + name, upper case)
unless it names its variables with ``validation_alias``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

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


class ModelPrice(BaseModel):
    """US dollars per million tokens, for models whose provider does not report cost."""

    input: float
    output: float


class _Group(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, use_attribute_docstrings=True)
    env_prefix: ClassVar[str] = "ZEBENCH_"


class ServerSettings(_Group):
    """The results service: ``zebench serve``, the API, the pages and webhooks."""

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
    key_failures_per_minute: int = Field(default=30, ge=0)
    """Refused key attempts (401/403) one client address may make per minute; past
    that, its writes are answered 429 with Retry-After, key or no key, until the
    allowance refills. 0 disables the limit."""
    key_cache_seconds: float = Field(default=5.0, ge=0)
    """How long a server process trusts what it looked up about a key: a revoked
    key stops working within this time on every process; 0 looks up every request."""
    dashboard_url: str | None = None
    """The dashboard's public URL, for links in CI reports and webhooks (default: the
    results service's URL when the harness delivers over HTTP)."""
    # Webhooks (zebench.webhooks): a POST per batch completion, signed, retried.
    webhook_url: str | None = None
    """One or more URLs (comma- or space-separated) told when a batch completes."""
    webhook_secret: str | None = None
    """Key of the ``X-Zebench-Signature-256`` HMAC-SHA256 of each body."""
    webhook_attempts: int = Field(default=8, ge=1)
    """Tries per delivery before it is recorded as failed."""
    webhook_backoff_s: float = Field(default=5.0, gt=0)
    """Pause after the first failed try; doubled after each one, capped at one hour."""
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_poll_s: float = Field(default=1.0, gt=0)
    """How often each server process looks for due deliveries."""


class HarnessSettings(_Group):
    """Runs and batches (zebench.harness): where suites and workspaces live, time limits."""

    suites_dir: Path | None = None
    workspaces_dir: Path
    """Default: ``home``/workspaces."""
    run_timeout_minutes: float = 30.0
    """The agent's time limit when a scenario sets no ``timeout_minutes``."""
    command_timeout_s: float = 600.0
    """Each baseline, validation and heuristic command; its whole process group is killed."""
    output_tail_chars: int = 4000
    """Characters of a command's combined output kept with the run."""
    batch_concurrency: int = 1
    """Runs in flight at once in a batch (``-j``)."""


class DeliverySettings(_Group):
    """Where the harness sends results (zebench.delivery): a results service or the spool."""

    worker_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ZE_BENCHMARKS_WORKER_URL", "ZEBENCH_WORKER_URL"),
    )
    api_key: str = Field(
        default=DEV_LOCAL_KEY,
        validation_alias=AliasChoices("ZE_BENCHMARKS_API_KEY", "ZEBENCH_API_KEY"),
    )
    spool_dir: Path
    """Default: ``home``/spool."""
    delivery_attempts: int = 5
    """Tries per result over HTTP (network errors, 5xx, 429) before it stays in the spool."""
    delivery_backoff_s: float = 0.5
    """First pause between tries; doubled each time, capped at 30 s."""
    delivery_timeout_s: float = 30.0


class LLMSettings(_Group):
    """Provider endpoints and keys (zebench.llm), shared by the agents and the judge.
    Keys keep the providers' own variable names so existing shells just work."""

    anthropic_base_url: str = "https://api.anthropic.com"
    anthropic_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ANTHROPIC_API_KEY", "ZEBENCH_ANTHROPIC_API_KEY"),
    )
    anthropic_version: str = "2023-06-01"
    openai_base_url: str = "https://api.openai.com/v1"
    """Any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, Chutes (https://llm.chutes.ai/v1)."""
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "ZEBENCH_OPENAI_API_KEY")
    )
    openrouter_base_url: str = "https://openrouter.ai/api/v1"
    openrouter_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENROUTER_API_KEY", "ZEBENCH_OPENROUTER_API_KEY"),
    )
    llm_timeout_s: float = 300.0
    llm_max_retries: int = 4
    """Retries on 429, 5xx (529 included) and network errors, with exponential backoff."""
    llm_retry_backoff_s: float = 1.0
    llm_prices: dict[str, ModelPrice] = {}
    """Per-million-token prices by model (JSON in ZEBENCH_LLM_PRICES), over the built-in table."""


class AgentSettings(_Group):
    """The agents (zebench.agents): default models, the tool loop's limits, CLI agents."""

    anthropic_model: str = "claude-sonnet-4-20250514"
    openai_model: str = "gpt-4o-mini"
    openrouter_model: str = "anthropic/claude-3.5-sonnet"
    agent_token_budget: int = 2_000_000
    """Tokens in+out one tool-loop run may spend before it is stopped; 0 = unlimited."""
    tool_command_timeout_s: float = 60.0
    tool_output_limit: int = 30_000
    """Characters of a tool result kept for the model (head and tail)."""
    claude_code_binary: str = "claude"
    claude_code_args: list[str] = ["--permission-mode", "acceptEdits"]
    """Extra arguments; in a disposable sandbox ``["--permission-mode", "bypassPermissions"]``."""
    agent_command: str | None = None
    """Template for the ``command`` agent: ``mytool --task {prompt}``; no {prompt} = stdin."""


class JudgeSettings(_Group):
    """The LLM judge (zebench.evaluators.llm_judge)."""

    judge_model: str = "meta-llama/llama-3.1-8b-instruct"
    """Used when a scenario's llm_judge names no model."""
    judge_provider: Literal["auto", "openai", "openrouter", "anthropic"] = "auto"
    """auto: Anthropic for bare ``claude-*`` names, else the OpenAI-compatible judge endpoint."""
    judge_base_url: str | None = None
    """OpenAI-compatible endpoint for the judge; OpenRouter's when unset."""
    judge_api_key: str | None = None
    judge_parse_retries: int = 1
    """Extra judge calls when a reply cannot be parsed."""
    judge_max_evidence_chars: int = 60_000


class SandboxSettings(_Group):
    """What contains a run's commands (zebench.sandbox; docs/sandbox.md)."""

    backend: str = Field(default="bubblewrap", validation_alias=AliasChoices("ZEBENCH_SANDBOX"))
    """``bubblewrap``, or ``none`` (no isolation at all)."""
    sandbox_network: Literal["none", "on", "host"] | None = None
    """none: no network; on: outside network without the host's loopback (slirp4netns);
    host: the host's network. Unset: the scenario's ``sandbox.network``, else none."""
    sandbox_memory_mb: int = Field(default=4096, ge=0)
    """Memory per command (cgroup memory limit when zebench may make one, RLIMIT_DATA)."""
    sandbox_max_processes: int = Field(default=512, ge=0)
    sandbox_file_size_mb: int = Field(default=1024, ge=0)
    sandbox_cpu_seconds: int = Field(default=1800, ge=0)
    """CPU seconds per process (RLIMIT_CPU); 0 turns a limit off."""
    sandbox_hide: list[Path] = []
    """More host paths the sandbox hides (JSON list), beside homes, /run and zebench's home."""
    sandbox_pass_env: list[str] = []
    """Host variables passed into the sandbox beyond the allow-list (JSON list)."""


class ThroughputSettings(_Group):
    """The model throughput leaderboard (zebench.throughput): scraping and probing.
    Rates stay polite to a public source."""

    chutes_api_url: str = "https://api.chutes.ai"
    chutes_llm_url: str = "https://llm.chutes.ai"
    chutes_web_url: str = "https://chutes.ai"
    chutes_source: Literal["auto", "json", "html"] = "auto"
    """json: stats + catalogue JSON; html: the pages, batched; auto: json, else html."""
    scrape_cron: str | None = None
    """Cron expression (UTC) for scraping inside the server, e.g. ``*/10 * * * *``."""
    scrape_html_batch_size: int = Field(default=25, ge=1)
    """Per-chute stats pages fetched per cycle in html mode (the offset is kept in ``meta``)."""
    scrape_concurrency: int = Field(default=4, ge=1)
    """Requests in flight to the source at once."""
    scrape_timeout_s: float = Field(default=30.0, gt=0)
    scrape_retries: int = Field(default=3, ge=0)
    """Extra tries on network errors, timeouts, 429 and 5xx."""
    scrape_backoff_s: float = Field(default=1.0, ge=0)
    """First pause between tries; doubled each time (plus jitter), capped at 30 s."""
    scrape_lease_s: float = Field(default=600.0, gt=0)
    """How long a cycle may hold the scrape lease before another process may take it."""
    probe_cron: str | None = None
    """Cron expression (UTC) for re-probing ``probe_targets`` inside the server."""
    probe_targets: Path | None = None
    """TOML or JSON file listing the endpoints to probe (docs/throughput.md)."""
    probe_lease_s: float = Field(default=1800.0, gt=0)
    """How long a probe cycle may hold its lease before another process may take it."""
