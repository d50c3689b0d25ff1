"""The model throughput scraper's tables (owned by ``zebench.throughput``).

Days are the source's UTC calendar dates as 'YYYY-MM-DD' text: they sort and
compare the same way on both engines and match the source byte for byte.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from zebench.store.schema import metadata

models = Table(
    "models",
    metadata,
    Column("chute_id", String(100), primary_key=True),
    Column("name", String(300), nullable=False),
    # False once the source's catalogue stops listing the model (kept for history).
    Column("listed", Boolean, nullable=False, server_default="1"),
    # The original's figures: "latest" is the newest row, partial day or not.
    Column("latest_tps", Float),
    Column("latest_ttft", Float),
    Column("latest_requests", BigInteger),
    Column("latest_date", String(10)),
    Column("latest_is_partial", Boolean, nullable=False, server_default="0"),
    Column("avg_7d", Float),
    Column("avg_30d", Float),
    Column("peak_tps", Float),
    Column("peak_date", String(10)),
    # Better figures: the newest complete day, and calendar windows of complete
    # days weighted by requests.
    Column("full_day_date", String(10)),
    Column("full_day_tps", Float),
    Column("full_day_ttft", Float),
    Column("full_day_requests", BigInteger),
    Column("tps_7d_weighted", Float),
    Column("tps_30d_weighted", Float),
    Column("ttft_7d_weighted", Float),
    Column("ttft_30d_weighted", Float),
    Column("requests_7d", BigInteger),
    Column("requests_30d", BigInteger),
    Column("days_tracked", Integer, nullable=False, server_default="0"),
    # JSON list of daily TPS (null for a missing day) over the trend window, oldest first.
    Column("trend_tps", Text),
    # USD per million tokens, from the catalogue.
    Column("price_prompt", Float),
    Column("price_completion", Float),
    Column("source", String(10), nullable=False),
    Column("scraped_at", BigInteger, nullable=False),
    # Probed endpoints (source 'probe'): the base URL measured, and the newest
    # probe's per-request percentiles (TPS after the first token; TTFT in seconds).
    Column("endpoint", String(500)),
    Column("tps_p50", Float),
    Column("tps_p90", Float),
    Column("ttft_p50", Float),
    Column("ttft_p90", Float),
)


def _model_of_row(**options: Any) -> Column[Any]:
    """The ``chute_id`` of the model a row belongs to: deleted with the model."""
    return Column(
        "chute_id", String(100), ForeignKey("models.chute_id", ondelete="CASCADE"), **options
    )


model_probes = Table(
    "model_probes",
    metadata,
    Column("id", String(36), primary_key=True),
    _model_of_row(nullable=False),
    Column("probed_at", BigInteger, nullable=False),
    # The points of one ``--sweep`` share it; the first (lowest load) is the headline
    # that feeds the model's figures and sparkline.
    Column("sweep_id", String(36), nullable=False),
    Column("headline", Boolean, nullable=False),
    Column("concurrency", Integer),
    Column("rate", Float),
    Column("requests", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("ttft_p50_ms", Float),
    Column("ttft_p90_ms", Float),
    Column("tps_p50", Float),
    Column("tps_p90", Float),
    Column("itl_p50_ms", Float),
    Column("tpot_p50_ms", Float),
    Column("e2e_p50_ms", Float),
    Column("total_output_tps", Float, nullable=False),
    Column("requests_per_second", Float, nullable=False),
    # The whole report (configuration and every distribution) as JSON text.
    Column("report", Text, nullable=False),
    Index("ix_model_probes_chute_time", "chute_id", "probed_at"),
)

model_daily = Table(
    "model_daily",
    metadata,
    _model_of_row(primary_key=True),
    Column("date", String(10), primary_key=True),
    Column("total_requests", BigInteger),
    Column("total_input_tokens", BigInteger),
    Column("total_output_tokens", BigInteger),
    Column("average_tps", Float),
    Column("average_ttft", Float),
    Column("is_partial", Boolean, nullable=False, server_default="0"),
    Column("updated_at", BigInteger, nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

scrape_leases = Table(
    "scrape_leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    # The scheduled tick (epoch ms) of the last cycle claimed: a tick is run once
    # even when several processes wake for it.
    Column("cycle_at", BigInteger, nullable=False),
)
