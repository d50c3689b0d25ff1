"""Table definitions: the single source of truth for the schema.

Times are integers (epoch milliseconds, UTC) on both engines: they sort,
compare and bucket by day (``ms // 86_400_000``) the same way in SQLite and
PostgreSQL. JSON documents are stored as text. The Alembic history under
``migrations/`` must produce exactly this schema (a test compares them).
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
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
Id = BigInteger().with_variant(Integer(), "sqlite")

# --- benchmark results ---------------------------------------------------

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(200), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Column("completed_at", BigInteger),
    # Aggregates are recomputed from runs on every write touching the batch.
    Column("total_runs", Integer, nullable=False, server_default="0"),
    Column("successful_runs", Integer, nullable=False, server_default="0"),
    Column("avg_score", Float),
    Column("avg_weighted_score", Float),
    Column("metadata", Text),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_batches_created_at", "created_at"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(200), nullable=False, unique=True),
    Column("batch_id", String(200), ForeignKey("batches.batch_id")),
    Column("suite", String(200), nullable=False),
    Column("scenario", String(200), nullable=False),
    Column("tier", String(50), nullable=False),
    Column("agent", String(200), nullable=False),
    Column("model", String(300)),
    Column("status", String(20), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("completed_at", BigInteger),
    Column("total_score", Float),
    Column("weighted_score", Float),
    Column("is_successful", Boolean, nullable=False, server_default="0"),
    Column("success_metric", Float),
    Column("specialist_enabled", Boolean, nullable=False, server_default="0"),
    Column("specialist_name", String(200)),
    Column("specialist_version", String(100)),
    Column("metadata", Text),
    # sha256 of the canonical submitted JSON: a re-send with the same hash is a
    # no-op, a different hash under the same run_id is a conflict.
    Column("content_hash", String(64), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    # Lists are ordered (started_at DESC, id DESC); every filter index ends with
    # both so PostgreSQL walks it in order too (SQLite appends the rowid anyway).
    Index("ix_runs_started", "started_at", "id"),
    Index("ix_runs_batch", "batch_id", "started_at", "id"),
    Index("ix_runs_suite", "suite", "started_at", "id"),
    Index("ix_runs_suite_scenario", "suite", "scenario", "started_at", "id"),
    Index("ix_runs_agent", "agent", "started_at", "id"),
    Index("ix_runs_model", "model", "started_at", "id"),
    Index("ix_runs_status", "status", "started_at", "id"),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(200), ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    Column("evaluator_name", String(200), nullable=False),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    Column("details", Text),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_evaluations_run", "run_id"),
    Index("ix_evaluations_name_created", "evaluator_name", "created_at"),
)

telemetry = Table(
    "telemetry",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "run_id",
        String(200),
        ForeignKey("runs.run_id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("tool_calls", Integer),
    Column("tokens_in", BigInteger),
    Column("tokens_out", BigInteger),
    Column("cost_usd", Float),
    Column("duration_ms", BigInteger),
    Column("workspace_dir", Text),
    Column("prompt_sent", Text),
)

transcripts = Table(
    "transcripts",
    metadata,
    Column(
        "run_id",
        String(200),
        ForeignKey("runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # JSON document: {"messages": [...]} as recorded by the harness.
    Column("content", Text, nullable=False),
)

# --- access --------------------------------------------------------------

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    # sha256 hex of the whole key; keys are random 32-byte tokens, so a plain
    # hash is not guessable and lookups stay O(1).
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scope", String(20), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
    Column("last_used_at", BigInteger),
    UniqueConstraint("name", name="uq_api_keys_name"),
)

# --- distributed batches ------------------------------------------------------

suite_bundles = Table(
    "suite_bundles",
    metadata,
    # A suite shipped to workers (zebench.harness.bundle): stored once per content hash.
    Column("sha256", String(64), primary_key=True),
    Column("suite", String(200), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

# --- model throughput leaderboard -------------------------------------------
# Owned by zebench.throughput; keep its tables in this section.
# Days are the source's UTC calendar dates as 'YYYY-MM-DD' text: they sort and
# compare the same way on both engines and match the source byte for byte.

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

model_probes = Table(
    "model_probes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "chute_id",
        String(100),
        ForeignKey("models.chute_id", ondelete="CASCADE"),
        nullable=False,
    ),
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
    Column(
        "chute_id",
        String(100),
        ForeignKey("models.chute_id", ondelete="CASCADE"),
        primary_key=True,
    ),
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

# --- pre-aggregates ------------------------------------------------------------
# Owned by zebench.service.aggregates, the one place that writes them (in the
# transaction that stores the runs) and rebuilds them. Runs are immutable once
# stored, so every statistic the API and the pages show is a sum, count, minimum or
# maximum over groups of runs, read from these tables in a few rows instead of a
# scan of every run. Every run table holds the same measures (``_run_measures``),
# every evaluation table the same evaluation measures; tables differ only in their
# key. Keys are run attributes: suite, scenario, tier, agent, model
# (``NO_MODEL_KEY`` for none: key columns cannot be NULL), status, the outcome
# ``successful`` (is_successful as stored), the batch, the UTC ``day`` or ``hour``
# the run started (evaluation tables keyed by ``hour`` use the evaluation's own
# created_at). Keys start with the columns filters pin, so a filtered read is a
# range of the primary key. ``shard`` spreads PostgreSQL writers over several rows
# of a key many concurrent runs share (SQLite, with one writer, always uses 0).
# On SQLite the tables are WITHOUT ROWID: one b-tree each instead of two.

NO_MODEL_KEY = ""
"""How a run without a model is keyed in the pre-aggregates."""


def _run_measures() -> list[Column[Any]]:
    """Scores are the weighted scores of completed runs, totals their total scores;
    telemetry sums skip runs without the value; weighted_min/max cover every run."""
    return [
        Column("runs", BigInteger, nullable=False),
        Column("scored", BigInteger, nullable=False),
        Column("score_sum", Float, nullable=False),
        Column("score_sq_sum", Float, nullable=False),
        Column("score_min", Float),
        Column("score_max", Float),
        Column("total_n", BigInteger, nullable=False),
        Column("total_sum", Float, nullable=False),
        Column("weighted_min", Float),
        Column("weighted_max", Float),
        Column("cost_sum", Float, nullable=False),
        Column("cost_runs", BigInteger, nullable=False),
        Column("tokens_in", BigInteger, nullable=False),
        Column("tokens_out", BigInteger, nullable=False),
        Column("duration_sum", BigInteger, nullable=False),
        Column("duration_runs", BigInteger, nullable=False),
        Column("first_started", BigInteger, nullable=False),
        Column("last_started", BigInteger, nullable=False),
    ]


def _evaluation_measures() -> list[Column[Any]]:
    """Per evaluator: ratio = score / max_score (undefined when max_score is 0)."""
    return [
        Column("n", BigInteger, nullable=False),
        Column("ratio_n", BigInteger, nullable=False),
        Column("ratio_sum", Float, nullable=False),
        Column("ratio_min", Float),
        Column("ratio_max", Float),
        Column("perfect_n", BigInteger, nullable=False),
        Column("score_sum", Float, nullable=False),
        Column("max_score_max", Float, nullable=False),
        Column("last_at", BigInteger, nullable=False),
    ]


def _key(*names: str) -> list[Column[Any]]:
    types: dict[str, Any] = {
        "batch_id": String(200),
        "suite": String(200),
        "scenario": String(200),
        "tier": String(50),
        "agent": String(200),
        "model": String(300),
        "status": String(20),
        "successful": Boolean,
        "day": BigInteger,
        "hour": BigInteger,
        "evaluator_name": String(200),
        "shard": Integer,
    }
    return [Column(name, types[name], primary_key=True, autoincrement=False) for name in names]


_CELL = ("suite", "scenario", "tier", "agent", "model", "status", "successful")
_PAIR = ("agent", "model", "status", "successful")
_OUTCOME = ("status", "successful")


def _run_table(name: str, *key: str) -> Table:
    return Table(name, metadata, *_key(*key), *_run_measures(), sqlite_with_rowid=False)


def _evaluation_table(name: str, *key: str) -> Table:
    return Table(name, metadata, *_key(*key), *_evaluation_measures(), sqlite_with_rowid=False)


# The per-cell, per-day tables have no shard: only runs of one cell on one day
# share a row there, and on PostgreSQL shards would multiply the rows every
# filtered read adds up.
agg_cells = _run_table("agg_cells", *_CELL, "shard")
agg_pair_days = _run_table("agg_pair_days", *_PAIR, "day", "shard")
agg_cell_days = _run_table("agg_cell_days", *_CELL, "day")
# Hours let /api/stats?days=N cut at an exact instant by adding only the runs of
# the one partial hour at the start of the window.
agg_hours = _run_table("agg_hours", "hour", *_OUTCOME, "shard")
# A batch's totals (the ``batches`` columns) from a handful of rows on every write.
agg_batches = _run_table("agg_batches", "batch_id", *_OUTCOME)
agg_batch_cells = _run_table("agg_batch_cells", "batch_id", *_CELL)
agg_evaluator_pair_days = _evaluation_table(
    "agg_evaluator_pair_days", "evaluator_name", *_PAIR, "day", "shard"
)
agg_evaluator_cell_days = _evaluation_table(
    "agg_evaluator_cell_days", *_CELL, "day", "evaluator_name"
)
agg_evaluator_hours = _evaluation_table("agg_evaluator_hours", "evaluator_name", "hour", "shard")
agg_batch_evaluators = _evaluation_table(
    "agg_batch_evaluators", "batch_id", "evaluator_name", *_OUTCOME
)
_FILTERED = ("suite", "scenario", "tier", "status", "successful", "day")
agg_durations = Table(
    "agg_durations",
    metadata,
    # Every run's telemetry duration in order within its agent/model, with the
    # columns filters need: a median is read by walking to the middle of a
    # filtered range, exactly, without sorting. SQLite keeps the rows in the key's
    # b-tree (WITHOUT ROWID); PostgreSQL gets them in the key's index (INCLUDE),
    # so the walk reads no table pages there either.
    Column("agent", String(200), nullable=False),
    Column("model", String(300), nullable=False),
    Column("duration_ms", BigInteger, nullable=False, autoincrement=False),
    Column("run_id", String(200), nullable=False),
    Column("suite", String(200), nullable=False),
    Column("scenario", String(200), nullable=False),
    Column("tier", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("successful", Boolean, nullable=False),
    Column("day", BigInteger, nullable=False),
    PrimaryKeyConstraint(
        "agent", "model", "duration_ms", "run_id", postgresql_include=list(_FILTERED)
    ),
    sqlite_with_rowid=False,
)

# --- covering indexes ----------------------------------------------------------

# Owned by zebench.service.analytics. Covering indexes for what is still read from
# the runs (score histogram, a batch's figures, run lists): those queries read
# only these columns, so they scan a compact index instead of the wide rows.

Index(
    "ix_runs_dashboard_cells",
    runs.c.suite,
    runs.c.scenario,
    runs.c.tier,
    runs.c.agent,
    runs.c.model,
    runs.c.status,
    runs.c.is_successful,
    runs.c.weighted_score,
    runs.c.started_at,
    runs.c.run_id,
)
Index(
    "ix_runs_dashboard_trend",
    runs.c.agent,
    runs.c.model,
    runs.c.started_at,
    runs.c.status,
    runs.c.is_successful,
    runs.c.weighted_score,
)
Index(
    "ix_telemetry_dashboard",
    telemetry.c.run_id,
    telemetry.c.cost_usd,
    telemetry.c.duration_ms,
    telemetry.c.tokens_in,
    telemetry.c.tokens_out,
)
# Telemetry sorts of a large run list walk one of these in order and stop after a
# page (see analytics.runs), rather than sorting every matching run.
Index("ix_telemetry_cost", telemetry.c.cost_usd)
Index("ix_telemetry_duration", telemetry.c.duration_ms)
Index("ix_telemetry_tokens_in", telemetry.c.tokens_in)

# --- tags and webhook deliveries -------------------------------------------------

# A batch's tags (metadata.tags) as rows, so lists filter by tag through an index;
# kept in step with the metadata by zebench.service.results.upsert_batch.
batch_tags = Table(
    "batch_tags",
    metadata,
    Column(
        "batch_id",
        String(200),
        ForeignKey("batches.batch_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("tag", String(100), primary_key=True),
    Index("ix_batch_tags_tag", "tag", "batch_id"),
)

# The outbox of webhook deliveries (zebench.service.webhook_outbox): one row per
# batch completion and target URL, written in the transaction that completes the
# batch; a sender claims a due row with a lease (one conditional UPDATE), so among
# several server processes one delivers it, and marks it delivered or due again.
webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(300), nullable=False),
    Column("batch_id", String(200), nullable=False),
    Column("target", String(2000), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("lease_holder", String(200), nullable=False, server_default=""),
    Column("lease_expires_at", BigInteger, nullable=False, server_default="0"),
    Column("delivered_at", BigInteger),
    Column("failed_at", BigInteger),
    Column("last_error", Text),
    UniqueConstraint("event_id", "target"),
    Index("ix_webhook_outbox_due", "delivered_at", "failed_at", "next_attempt_at"),
)
