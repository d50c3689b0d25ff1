"""The one aggregate query most pages are made of: run statistics per group.

A group is any combination of run columns (agent and model, suite and
scenario, a day, a batch). One pass over the filtered runs gives counts,
score sums and sums of squares (enough for a mean and its 95% interval),
cost and token totals, so no page ever fetches rows to aggregate them.

Definitions, shared by every page, export and the API's statistics:
- success rate = successful completed runs / all runs (a failed run counts against);
- mean score = mean weighted score (0..10) of completed runs that have one;
- mean total score = mean total score (0..1) of completed runs that have one;
- cost per successful run = total cost of the group / successful runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from functools import reduce
from operator import add, attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.display import model_name
from zebench.model.statistics import ci95_half_width_from_sums
from zebench.service.filters import RunFilter
from zebench.store.tables import runs, telemetry

COMPLETED = runs.c.status == "completed"
SCORE = sa.case((COMPLETED, runs.c.weighted_score))
TOTAL = sa.case((COMPLETED, runs.c.total_score))


_RUNS = runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id)
_RUN_MEASURES = (
    sa.func.count(),
    sa.func.count().filter(COMPLETED),
    sa.func.count().filter(sa.and_(COMPLETED, runs.c.is_successful)),
    sa.func.count(SCORE),
    sa.func.coalesce(sa.func.sum(SCORE), 0.0),
    sa.func.coalesce(sa.func.sum(SCORE * SCORE), 0.0),
    sa.func.min(SCORE),
    sa.func.max(SCORE),
    sa.func.count(TOTAL),
    sa.func.coalesce(sa.func.sum(TOTAL), 0.0),
    sa.func.min(runs.c.weighted_score),
    sa.func.max(runs.c.weighted_score),
    sa.func.coalesce(sa.func.sum(telemetry.c.cost_usd), 0.0),
    sa.func.count(telemetry.c.cost_usd),
    sa.func.coalesce(sa.func.sum(telemetry.c.tokens_in), 0),
    sa.func.coalesce(sa.func.sum(telemetry.c.tokens_out), 0),
    sa.func.coalesce(sa.func.sum(telemetry.c.duration_ms), 0),
    sa.func.count(telemetry.c.duration_ms),
    sa.func.min(runs.c.started_at),
    sa.func.max(runs.c.started_at),
)
"""The measures of the runs ``_RUNS`` joins, in ``GroupStats.from_row``'s order."""


@dataclass(frozen=True)
class GroupStats:
    key: tuple[Any, ...]
    runs: int
    completed: int
    successful: int
    scored: int
    score_sum: float
    score_sq_sum: float
    score_min: float | None
    score_max: float | None
    """Over the completed runs' weighted scores."""
    total_scored: int
    total_sum: float
    """Over the completed runs' total scores."""
    weighted_min: float | None
    weighted_max: float | None
    """Over every run's weighted score, failed runs' included."""
    cost_sum: float
    cost_runs: int
    tokens_in: int
    tokens_out: int
    duration_sum: int
    duration_runs: int
    first_started: int | None
    last_started: int | None

    @classmethod
    def from_row(cls, key: tuple[Any, ...], m: Sequence[Any]) -> GroupStats:
        """A group from its 20 measures, in the order of ``group_stats``' query (sums
        over no rows are NULL in the pre-aggregates, hence the zeros)."""
        return cls(
            key=key,
            runs=int(m[0] or 0),
            completed=int(m[1] or 0),
            successful=int(m[2] or 0),
            scored=int(m[3] or 0),
            score_sum=float(m[4] or 0.0),
            score_sq_sum=float(m[5] or 0.0),
            score_min=opt_float(m[6]),
            score_max=opt_float(m[7]),
            total_scored=int(m[8] or 0),
            total_sum=float(m[9] or 0.0),
            weighted_min=opt_float(m[10]),
            weighted_max=opt_float(m[11]),
            cost_sum=float(m[12] or 0.0),
            cost_runs=int(m[13] or 0),
            tokens_in=int(m[14] or 0),
            tokens_out=int(m[15] or 0),
            duration_sum=int(m[16] or 0),
            duration_runs=int(m[17] or 0),
            first_started=None if m[18] is None else int(m[18]),
            last_started=None if m[19] is None else int(m[19]),
        )

    @property
    def failed(self) -> int:
        return self.runs - self.completed

    @property
    def success_rate(self) -> float | None:
        return self.successful / self.runs if self.runs else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.scored if self.scored else None

    @property
    def mean_total_score(self) -> float | None:
        return self.total_sum / self.total_scored if self.total_scored else None

    @property
    def score_ci95(self) -> float | None:
        return ci95_half_width_from_sums(self.scored, self.score_sum, self.score_sq_sum)

    @property
    def mean_cost(self) -> float | None:
        return self.cost_sum / self.cost_runs if self.cost_runs else None

    @property
    def cost_per_success(self) -> float | None:
        return self.cost_sum / self.successful if self.successful and self.cost_runs else None

    @property
    def mean_duration_ms(self) -> float | None:
        return self.duration_sum / self.duration_runs if self.duration_runs else None


def group_stats(
    conn: Connection,
    dims: Sequence[ColumnElement[Any]],
    flt: RunFilter,
    *,
    extra: Sequence[ColumnElement[bool]] = (),
) -> list[GroupStats]:
    """Statistics per distinct value of ``dims`` over the runs ``flt`` selects, read
    from the runs (``sources`` reads the pre-aggregates where it can).

    With no ``dims`` the answer is one group holding the totals (runs=0 when empty).
    """
    query = sa.select(*dims, *_RUN_MEASURES).select_from(_RUNS).where(*flt.clauses(), *extra)
    if dims:
        query = query.group_by(*dims)
    width = len(dims)
    return [GroupStats.from_row(tuple(row[:width]), row[width:]) for row in conn.execute(query)]


EMPTY = GroupStats(
    (), 0, 0, 0, 0, 0.0, 0.0, None, None, 0, 0.0, None, None, 0.0, 0, 0, 0, 0, 0, None, None
)


def opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def merge(groups: Iterable[GroupStats], key: tuple[Any, ...] = ()) -> GroupStats:
    """One group holding the runs of all ``groups`` (every measure is a sum, min or max).

    The sums are added in the groups' order into one new group (not one per group
    added: pages merge thousands of cells)."""
    members = list(groups)
    if not members:
        return replace(EMPTY, key=key)
    sums = [reduce(add, column) for column in zip(*map(_SUMMED, members), strict=True)]
    runs_, completed, successful, scored, score_sum, score_sq_sum = sums[:6]
    total_scored, total_sum = sums[6:8]
    cost_sum, cost_runs, tokens_in, tokens_out, duration_sum, duration_runs = sums[8:]
    return GroupStats(
        key,
        int(runs_),
        int(completed),
        int(successful),
        int(scored),
        float(score_sum),
        float(score_sq_sum),
        _least(g.score_min for g in members),
        _most(g.score_max for g in members),
        int(total_scored),
        float(total_sum),
        _least(g.weighted_min for g in members),
        _most(g.weighted_max for g in members),
        float(cost_sum),
        int(cost_runs),
        int(tokens_in),
        int(tokens_out),
        int(duration_sum),
        int(duration_runs),
        _least(g.first_started for g in members),
        _most(g.last_started for g in members),
    )


_NOT_SUMMED = (
    "key",
    "score_min",
    "score_max",
    "weighted_min",
    "weighted_max",
    "first_started",
    "last_started",
)
_SUMMED = attrgetter(*(f.name for f in fields(GroupStats) if f.name not in _NOT_SUMMED))
"""The measures ``merge`` adds up, in ``GroupStats``' order."""


def _least(values: Iterable[Any]) -> Any:
    return min((v for v in values if v is not None), default=None)


def _most(values: Iterable[Any]) -> Any:
    return max((v for v in values if v is not None), default=None)


def roll_up(
    groups: Iterable[GroupStats], key: Callable[[tuple[Any, ...]], tuple[Any, ...]]
) -> dict[tuple[Any, ...], GroupStats]:
    """Coarser groups from finer ones: ``key`` maps a fine key to its coarse key."""
    buckets: dict[tuple[Any, ...], list[GroupStats]] = {}
    for g in groups:
        buckets.setdefault(key(g.key), []).append(g)
    return {k: merge(members, k) for k, members in buckets.items()}


def score_histogram(
    conn: Connection, flt: RunFilter, *, bins: int = 20
) -> list[tuple[float, float, int]]:
    """How many completed runs fall in each of ``bins`` equal ranges of 0..10.

    Scores of exactly 10 are counted in the last range.
    """
    width = 10 / bins
    scaled = SCORE / width
    bucket = (
        sa.func.floor(scaled) if conn.dialect.name == "postgresql" else sa.cast(scaled, sa.Integer)
    )  # SQLite's CAST truncates (scores are not negative); PostgreSQL's rounds.
    counts = [0] * bins
    query = (
        sa.select(bucket.label("b"), sa.func.count())
        .where(SCORE.is_not(None), *flt.clauses())
        .group_by(bucket)
    )
    for b, n in conn.execute(query):
        index = min(max(int(b), 0), bins - 1)
        counts[index] += int(n)
    return [(i * width, (i + 1) * width, counts[i]) for i in range(bins)]


CELL_DIMS = (runs.c.suite, runs.c.scenario, runs.c.tier, runs.c.agent, runs.c.model)
"""The finest grouping pages need; its order is the covering index's, so SQLite
aggregates it in one index scan with no sort. Pages roll cells up in Python."""


def medians(
    conn: Connection,
    dims: Sequence[ColumnElement[Any]],
    value: ColumnElement[Any],
    flt: RunFilter,
    *,
    extra: Sequence[ColumnElement[bool]] = (),
) -> dict[tuple[Any, ...], float]:
    """The median of ``value`` per group, computed in the database.

    Window functions (on both engines) number the values within each group;
    the median is the middle one, or the mean of the two middle ones.
    """
    partition = list(dims) or [sa.literal(1)]
    ranked = (
        sa.select(
            *[d.label(f"d{i}") for i, d in enumerate(dims)],
            value.label("v"),
            sa.func.row_number().over(partition_by=partition, order_by=value).label("rn"),
            sa.func.count().over(partition_by=partition).label("n"),
        )
        .select_from(runs.outerjoin(telemetry, telemetry.c.run_id == runs.c.run_id))
        .where(value.is_not(None), *flt.clauses(), *extra)
        .subquery()
    )
    keys = [ranked.c[f"d{i}"] for i in range(len(dims))]
    query = sa.select(*keys, sa.func.avg(ranked.c.v)).where(
        ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    )
    if keys:
        query = query.group_by(*keys)
    return {tuple(row)[:-1]: float(row[-1]) for row in conn.execute(query)}


def stats_row(g: GroupStats) -> dict[str, Any]:
    """A group's figures under the names the pages and exports use."""
    return {
        "runs": g.runs,
        "completed": g.completed,
        "failed": g.failed,
        "successful": g.successful,
        "successRate": g.success_rate,
        "meanScore": g.mean_score,
        "scoreCi95": g.score_ci95,
        "minScore": g.score_min,
        "maxScore": g.score_max,
        "totalCost": g.cost_sum if g.cost_runs else None,
        "meanCost": g.mean_cost,
        "costPerSuccess": g.cost_per_success,
        "tokensIn": g.tokens_in,
        "tokensOut": g.tokens_out,
        "meanDurationMs": g.mean_duration_ms,
        "firstRunAt": g.first_started,
        "lastRunAt": g.last_started,
    }


MIN_RUNS_FOR_RANKING = 3
"""Pairs with fewer completed runs are listed after the ranked ones: one lucky run is no rank."""


def pair_label(agent: str, model: str | None) -> str:
    return f"{agent} / {model_name(model)}"


def pair_rows(groups: list[GroupStats]) -> list[dict[str, Any]]:
    """Rows for (agent, model) groups, best mean score first."""
    rows = [{"agent": g.key[0], "model": g.key[1], **stats_row(g)} for g in groups]
    rows.sort(
        key=lambda r: (
            r["meanScore"] is None or r["completed"] < MIN_RUNS_FOR_RANKING,
            -(r["meanScore"] or 0.0),
            -r["runs"],
        )
    )
    return rows
