"""The leaderboard's JSON shapes. Field names are snake_case, as the original
leaderboard served them (``{models, total, scraped_at}``, ``latest_tps``…)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SortKey = Literal[
    "tps",
    "ttft",
    "name",
    "requests",
    "avg_7d",
    "avg_30d",
    "peak",
    "tps_7d_weighted",
    "tps_30d_weighted",
    "ttft_7d_weighted",
    "requests_7d",
    "requests_30d",
    "full_day_tps",
]


class AgentScore(BaseModel):
    """One agent's benchmark runs on the model."""

    agent: str
    runs: int
    scored_runs: int
    mean_weighted_score: float | None = Field(description="0..10, over runs with a score")


class BenchmarkScore(BaseModel):
    """The model's benchmark runs (runs whose ``model`` equals the model's name), per agent:
    an agent's score is never credited to another agent on the same model. The top-level
    figures are those of ``agent``, the agent with the most scored runs on the model."""

    agent: str
    runs: int
    scored_runs: int
    mean_weighted_score: float | None = Field(description="0..10, over runs with a score")
    agents: list[AgentScore] = Field(default_factory=list)


class ModelOut(BaseModel):
    chute_id: str
    name: str
    listed: bool = Field(description="False once the source's catalogue stopped listing it")
    latest_tps: float | None = Field(description="Tokens/s of the newest day (maybe partial)")
    latest_ttft: float | None = Field(description="Seconds to first token, newest day")
    latest_requests: int | None
    latest_date: str | None
    latest_is_partial: bool = Field(description="The newest day is today (UTC), still filling")
    avg_7d: float | None = Field(description="Plain mean TPS of the newest 7 rows (original)")
    avg_30d: float | None = Field(description="Plain mean TPS of the newest 30 rows (original)")
    peak_tps: float | None
    peak_date: str | None
    full_day_date: str | None = Field(description="Newest complete day")
    full_day_tps: float | None
    full_day_ttft: float | None
    full_day_requests: int | None
    tps_7d_weighted: float | None = Field(
        description="TPS over the 7 complete days before today, weighted by requests"
    )
    tps_30d_weighted: float | None
    ttft_7d_weighted: float | None
    ttft_30d_weighted: float | None
    requests_7d: int | None
    requests_30d: int | None
    days_tracked: int
    trend_tps: list[float | None] = Field(
        description="Daily TPS over the 30 days ending today, oldest first; null = no data"
    )
    price_prompt: float | None = Field(description="USD per million input tokens")
    price_completion: float | None = Field(description="USD per million output tokens")
    source: str = Field(description="json or html (scraped from Chutes), or probe (measured)")
    scraped_at: str = Field(description="When these figures were scraped or probed (ISO 8601)")
    endpoint: str | None = Field(default=None, description="The probed base URL (probe only)")
    tps_p50: float | None = Field(
        default=None, description="Median per-request output tokens/s after the first token"
    )
    tps_p90: float | None = None
    ttft_p50: float | None = Field(default=None, description="Median seconds to first token")
    ttft_p90: float | None = None
    benchmark: BenchmarkScore | None = None


class ModelList(BaseModel):
    models: list[ModelOut]
    total: int
    scraped_at: str | None = Field(description="The last successful cycle; null before the first")


class DailyOut(BaseModel):
    date: str
    total_requests: int | None
    total_input_tokens: int | None
    total_output_tokens: int | None
    average_tps: float | None
    average_ttft: float | None
    is_partial: bool


class ProbeOut(BaseModel):
    """One load point of one probe (``zebench probe --save``); times in milliseconds."""

    probed_at: str
    sweep_id: str = Field(description="Shared by the points of one --sweep")
    headline: bool = Field(description="The point that feeds the model's figures")
    concurrency: int | None
    rate: float | None
    requests: int
    errors: int
    ttft_p50_ms: float | None
    ttft_p90_ms: float | None
    tps_p50: float | None
    tps_p90: float | None
    itl_p50_ms: float | None
    tpot_p50_ms: float | None
    e2e_p50_ms: float | None
    total_output_tps: float
    requests_per_second: float


class ModelDetail(ModelOut):
    history: list[DailyOut] = Field(description="Every stored day, newest first")
    probes: list[ProbeOut] = Field(
        default_factory=list, description="Every stored probe point, newest first (probe only)"
    )
    sweep: list[ProbeOut] = Field(
        default_factory=list,
        description="The newest sweep's points, lowest concurrency first (empty without one)",
    )


class CycleOut(BaseModel):
    status: Literal["ok", "failed", "skipped"]
    summary: str
    started_at: str
    duration_ms: int
    source: str | None
    catalogue_models: int
    models_updated: int
    models_added: int
    models_delisted: int
    models_skipped: int
    daily_rows_written: int
    next_offset: int | None
    skipped: dict[str, str]
    fallback_reason: str | None
    error: str | None
