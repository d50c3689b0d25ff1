"""The tables of the family, what a stored run is to them, and small helpers their
readers share."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.store.aggregate_tables import (
    agg_batch_cells,
    agg_batch_evaluators,
    agg_batches,
    agg_cell_days,
    agg_cells,
    agg_evaluator_cell_days,
    agg_evaluator_hours,
    agg_evaluator_pair_days,
    agg_hours,
    agg_pair_days,
)

HOUR_MS = 3_600_000
PG_SHARDS = 8
"""Rows per hot key on PostgreSQL, so concurrent writers rarely wait on one row lock."""

RUN_SUMS = (
    "runs",
    "scored",
    "score_sum",
    "score_sq_sum",
    "total_n",
    "total_sum",
    "cost_sum",
    "cost_runs",
    "tokens_in",
    "tokens_out",
    "duration_sum",
    "duration_runs",
)
RUN_MINIMA = ("score_min", "weighted_min", "first_started")
RUN_MAXIMA = ("score_max", "weighted_max", "last_started")
EVALUATION_SUMS = ("n", "ratio_n", "ratio_sum", "perfect_n", "score_sum")
EVALUATION_MINIMA = ("ratio_min",)
EVALUATION_MAXIMA = ("ratio_max", "max_score_max", "last_at")


@dataclass(frozen=True)
class RunFacts:
    """What the pre-aggregates need to know about one stored run."""

    run_id: str
    batch_id: str | None
    suite: str
    scenario: str
    tier: str
    agent: str
    model: str | None
    status: str
    is_successful: bool
    started_at: int
    total_score: float | None
    weighted_score: float | None
    cost_usd: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class EvaluationFacts:
    evaluator_name: str
    score: float
    max_score: float
    created_at: int


@dataclass(frozen=True)
class Aggregate:
    """One pre-aggregate table; what it is keyed by follows from its primary key."""

    table: sa.Table

    @cached_property
    def key_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.primary_key.columns)

    @cached_property
    def dims(self) -> frozenset[str]:
        """The run attributes a row stands for (the shard only spreads writes)."""
        return frozenset(self.key_names) - {"shard"}

    @property
    def evaluations(self) -> bool:
        """True when rows count evaluations rather than runs."""
        return "evaluator_name" in self.dims

    @property
    def batched(self) -> bool:
        """True when rows are per batch (runs without a batch are not in it)."""
        return "batch_id" in self.dims

    def covers(self, needed: set[str]) -> bool:
        return needed <= self.dims


CELLS = Aggregate(agg_cells)
PAIR_DAYS = Aggregate(agg_pair_days)
CELL_DAYS = Aggregate(agg_cell_days)
HOURS = Aggregate(agg_hours)
BATCHES = Aggregate(agg_batches)
BATCH_CELLS = Aggregate(agg_batch_cells)
EVALUATOR_PAIR_DAYS = Aggregate(agg_evaluator_pair_days)
EVALUATOR_CELL_DAYS = Aggregate(agg_evaluator_cell_days)
EVALUATOR_HOURS = Aggregate(agg_evaluator_hours)
BATCH_EVALUATORS = Aggregate(agg_batch_evaluators)

RUN_FILTERABLE = (CELLS, PAIR_DAYS, CELL_DAYS, BATCH_CELLS)
"""Smallest first: a filtered read takes the first that has every attribute it needs
(a batch's tables only when it names a batch: the others cover anything else)."""
EVALUATION_FILTERABLE = (EVALUATOR_PAIR_DAYS, EVALUATOR_CELL_DAYS, BATCH_EVALUATORS)
ALL = (
    CELLS,
    PAIR_DAYS,
    CELL_DAYS,
    HOURS,
    BATCHES,
    BATCH_CELLS,
    EVALUATOR_PAIR_DAYS,
    EVALUATOR_CELL_DAYS,
    EVALUATOR_HOURS,
    BATCH_EVALUATORS,
)
"""Every table of the family, in the order writers touch them (no deadlocks)."""


def choose(candidates: Sequence[Aggregate], needed: set[str]) -> Aggregate | None:
    return next((a for a in candidates if a.covers(needed)), None)


def mean(total: float | None, n: int | Decimal | None) -> float | None:
    """``total / n``, or None for no values. Sums of counts come back as Decimal
    from PostgreSQL, hence the conversions."""
    return float(total) / float(n) if n and total is not None else None


def succeeded(table: sa.Table) -> ColumnElement[bool]:
    """Rows of completed, successful runs (the original's
    ``status = 'completed' AND is_successful = 1``)."""
    return sa.and_(table.c.status == "completed", table.c.successful)


def shard_for(conn: Connection, run_id: str) -> int:
    if conn.dialect.name != "postgresql":
        return 0  # one writer at a time: spreading rows would only slow reads
    return zlib.crc32(run_id.encode()) % PG_SHARDS
