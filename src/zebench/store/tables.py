"""Table definitions: the single source of truth for the schema.

Times are integers (epoch milliseconds, UTC) on both engines: they sort,
compare and bucket by day (``ms // 86_400_000``) the same way in SQLite and
PostgreSQL. JSON documents are stored as text. The Alembic history under
``migrations/`` must produce exactly this schema (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
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
    Index("ix_runs_started", "started_at", "id"),
    Index("ix_runs_batch", "batch_id", "started_at"),
    Index("ix_runs_suite_scenario", "suite", "scenario", "started_at"),
    Index("ix_runs_agent", "agent", "started_at"),
    Index("ix_runs_model", "model", "started_at"),
    Index("ix_runs_status", "status", "started_at"),
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

# --- model throughput leaderboard (issue 5) --------------------------------
# Owned by zebench.leaderboard; keep its tables in this section.

# --- pre-aggregates (issue 2, statistics at scale) --------------------------
# Owned by zebench.service; keep its tables in this section.
