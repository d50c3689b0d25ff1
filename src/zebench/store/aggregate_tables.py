"""The pre-aggregates (owned by ``zebench.service.aggregates``, the one place that
writes them, in the transaction that stores the runs, and rebuilds them).

Runs are immutable once stored, so every statistic the API and the pages show is a
sum, count, minimum or maximum over groups of runs, read from these tables in a few
rows instead of a scan of every run. Every run table holds the same measures
(``_run_measures``), every evaluation table the same evaluation measures; tables
differ only in their key. Keys are run attributes: suite, scenario, tier, agent, model
(``NO_MODEL_KEY`` for none: key columns cannot be NULL), status, the outcome
``successful`` (is_successful as stored), the batch, the UTC ``day`` or ``hour`` the
run started (evaluation tables keyed by ``hour`` use the evaluation's own
created_at). Keys start with the columns filters pin, so a filtered read is a range
of the primary key. ``shard`` spreads PostgreSQL writers over several rows of a key
many concurrent runs share (SQLite, with one writer, always uses 0). On SQLite the
tables are WITHOUT ROWID: one b-tree each instead of two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from zebench.store.schema import metadata

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
