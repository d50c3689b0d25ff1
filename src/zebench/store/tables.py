"""The results tables (batches, runs and what each run carries), access keys, suite
bundles, batch tags and the webhook outbox; the indexes reads of the runs use.

The pre-aggregates are in ``aggregate_tables``, the throughput scraper's tables in
``throughput_tables``; all are defined on ``schema.metadata``.
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
    String,
    Table,
    Text,
    UniqueConstraint,
)

from zebench.store.schema import Id, metadata

# --- benchmark results ---------------------------------------------------


def _run_of_row(**options: Any) -> Column[Any]:
    """The ``run_id`` of the run a row belongs to: deleted with the run."""
    return Column("run_id", String(200), ForeignKey("runs.run_id", ondelete="CASCADE"), **options)


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
    _run_of_row(nullable=False),
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
    _run_of_row(nullable=False, unique=True),
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
    _run_of_row(primary_key=True),
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
# page (see service.run_order), rather than sorting every matching run.
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
