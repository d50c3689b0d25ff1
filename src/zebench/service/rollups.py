"""Pre-aggregates of the stored runs, kept in step with them.

Runs are immutable once stored, so the statistics of seed 000 section 6 can be
maintained as counts, sums, minima and maxima: ``apply_runs`` adds newly
stored runs to every pre-aggregate inside the transaction that stores them (so
a statistic never sees half a run), and ``rebuild`` recomputes them all from the
raw tables (after a bulk load that bypassed ``apply_runs``, or to repair).

The tables and the meaning of their columns are described in
``zebench.store.tables`` (section "pre-aggregates").
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.service.prepared import Prepared
from zebench.service.timeutil import now_ms
from zebench.store.tables import (
    batches,
    evaluations,
    rollup_batch_dims,
    rollup_batch_evaluators,
    rollup_batches,
    rollup_evaluators_hourly,
    rollup_runs_dims,
    rollup_runs_hourly,
    runs,
)

HOUR_MS = 3_600_000
PG_SHARDS = 8
"""Rows per hot key on PostgreSQL, so concurrent writers rarely wait on one row lock."""
NO_MODEL = ""
"""How a run without a model is keyed (key columns cannot be NULL)."""

_COUNTS = (
    "runs",
    "succ_runs",
    "succ_score_n",
    "succ_weighted_n",
    "done_score_n",
    "done_weighted_n",
)
_SUMS = ("succ_score_sum", "succ_weighted_sum", "done_score_sum", "done_weighted_sum")
_MINIMA = ("succ_weighted_min", "weighted_min")
_MAXIMA = ("succ_weighted_max", "weighted_max")
RUN_MEASURES = _COUNTS + _SUMS + _MINIMA + _MAXIMA


@dataclass(frozen=True)
class RunFacts:
    """What the pre-aggregates need to know about one stored run."""

    run_id: str
    batch_id: str | None
    suite: str
    scenario: str
    agent: str
    model: str | None
    status: str
    is_successful: bool
    started_at: int
    total_score: float | None
    weighted_score: float | None
    tier: str
    cost_usd: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    duration_ms: int | None = None

    @property
    def successful(self) -> bool:
        return self.status == "completed" and self.is_successful


@dataclass(frozen=True)
class EvaluationFacts:
    evaluator_name: str
    score: float
    max_score: float
    created_at: int


def run_measures(run: RunFacts) -> dict[str, Any]:
    """One run's contribution to every run measure."""
    done = run.status == "completed"
    succ = run.successful
    score, weighted = run.total_score, run.weighted_score
    succ_weighted = weighted if succ else None
    return {
        "runs": 1,
        "succ_runs": int(succ),
        "succ_score_sum": score if succ and score is not None else 0.0,
        "succ_score_n": int(succ and score is not None),
        "succ_weighted_sum": weighted if succ and weighted is not None else 0.0,
        "succ_weighted_n": int(succ and weighted is not None),
        "succ_weighted_min": succ_weighted,
        "succ_weighted_max": succ_weighted,
        "weighted_min": weighted,
        "weighted_max": weighted,
        "done_score_sum": score if done and score is not None else 0.0,
        "done_score_n": int(done and score is not None),
        "done_weighted_sum": weighted if done and weighted is not None else 0.0,
        "done_weighted_n": int(done and weighted is not None),
    }


def mean(total: float | None, n: int | Decimal | None) -> float | None:
    """``total / n``, or None for no values. Sums of counts come back as Decimal
    from PostgreSQL, hence the conversions."""
    return float(total) / float(n) if n and total is not None else None


def shard_for(conn: Connection, run_id: str) -> int:
    if conn.dialect.name != "postgresql":
        return 0  # one writer at a time: spreading rows would only slow reads
    return zlib.crc32(run_id.encode()) % PG_SHARDS


def apply_run(
    conn: Connection, run: RunFacts, evals: Sequence[EvaluationFacts]
) -> dict[str, Any] | None:
    """Add one newly stored run (and its evaluations) to every pre-aggregate
    (``apply_runs`` of one run).

    Returns the run's batch's new totals (the ``batches`` columns), or None for
    a run without a batch.
    """
    totals = apply_runs(conn, [(run, evals)])
    return totals.get(run.batch_id) if run.batch_id is not None else None


def apply_runs(
    conn: Connection, stored: Sequence[tuple[RunFacts, Sequence[EvaluationFacts]]]
) -> dict[str, dict[str, Any]]:
    """Add newly stored runs (and their evaluations) to every pre-aggregate.

    Each pre-aggregate row's increments are folded in Python first, so a row is
    upserted once per call rather than once per run. Rows are touched in a fixed
    order (tables, then keys sorted), so concurrent PostgreSQL transactions cannot
    deadlock on them. Returns the new totals (the ``batches`` columns) of every
    batch touched.
    """
    runs_hourly: dict[tuple[Any, ...], dict[str, Any]] = {}
    runs_dims: dict[tuple[Any, ...], dict[str, Any]] = {}
    batch_runs: dict[tuple[Any, ...], dict[str, Any]] = {}
    batch_dims: dict[tuple[Any, ...], dict[str, Any]] = {}
    evaluators: dict[tuple[Any, ...], list[Any]] = {}
    batch_evaluators: dict[tuple[Any, ...], list[Any]] = {}
    for run, evals in stored:
        shard = shard_for(conn, run.run_id)
        measures = run_measures(run)
        model = run.model if run.model is not None else NO_MODEL
        dims = (run.suite, run.scenario, run.agent, model)
        _fold(runs_hourly, (run.started_at // HOUR_MS, shard), measures)
        _fold(runs_dims, (*dims, shard), measures)
        for ev in evals:
            acc = evaluators.setdefault(
                (ev.evaluator_name, ev.created_at // HOUR_MS, shard), [0, 0.0]
            )
            acc[0] += 1
            acc[1] += ev.score
        if run.batch_id is None:
            continue
        _fold(batch_runs, (run.batch_id,), measures)
        _fold(batch_dims, (run.batch_id, *dims), measures)
        if run.successful:
            for ev in evals:
                top = batch_evaluators.setdefault((run.batch_id, ev.evaluator_name), [0, 0.0, None])
                top[0] += 1
                top[1] += ev.score
                top[2] = ev.max_score if top[2] is None else max(top[2], ev.max_score)

    upsert = _statements(conn.dialect.name)
    upsert[rollup_runs_hourly.name].insert_rows(
        conn, [{"hour": k[0], "shard": k[1], **m} for k, m in sorted(runs_hourly.items())]
    )
    upsert[rollup_runs_dims.name].insert_rows(
        conn, [{**_dims(k), "shard": k[4], **m} for k, m in sorted(runs_dims.items())]
    )
    upsert[rollup_evaluators_hourly.name].insert_rows(
        conn,
        [
            {"evaluator_name": name, "hour": hour, "shard": shard, "n": n, "score_sum": total}
            for (name, hour, shard), (n, total) in sorted(evaluators.items())
        ],
    )
    totals: dict[str, dict[str, Any]] = {}
    for (batch_id,), m in sorted(batch_runs.items()):
        row = upsert[rollup_batches.name].first(conn, {"batch_id": batch_id, **m})
        assert row is not None
        totals[batch_id] = _totals(*row)
    upsert[rollup_batch_dims.name].insert_rows(
        conn, [{"batch_id": k[0], **_dims(k[1:]), **m} for k, m in sorted(batch_dims.items())]
    )
    upsert[rollup_batch_evaluators.name].insert_rows(
        conn,
        [
            {
                "batch_id": b,
                "evaluator_name": name,
                "n": n,
                "score_sum": total,
                "max_score_max": top,
            }
            for (b, name), (n, total, top) in sorted(batch_evaluators.items())
        ],
    )
    return totals


def _dims(key: Sequence[Any]) -> dict[str, Any]:
    return {"suite": key[0], "scenario": key[1], "agent": key[2], "model": key[3]}


def _fold(
    into: dict[tuple[Any, ...], dict[str, Any]], key: tuple[Any, ...], measures: dict[str, Any]
) -> None:
    """Add one run's measures to the increments kept for ``key``."""
    acc = into.get(key)
    if acc is None:
        into[key] = dict(measures)
    else:
        fold_measures(acc, measures, sums=_COUNTS + _SUMS, minima=_MINIMA, maxima=_MAXIMA)


def fold_measures(
    acc: dict[str, Any],
    new: dict[str, Any],
    *,
    sums: Sequence[str],
    minima: Sequence[str] = (),
    maxima: Sequence[str] = (),
) -> None:
    """Add ``new``'s measures to ``acc`` as ``upsert_adding`` adds them to a stored row
    (None, no value, never wins a minimum or maximum)."""
    for name in sums:
        acc[name] += new[name]
    for name in minima:
        value = new[name]
        if value is not None and (acc[name] is None or value < acc[name]):
            acc[name] = value
    for name in maxima:
        value = new[name]
        if value is not None and (acc[name] is None or value > acc[name]):
            acc[name] = value


def _totals(
    runs_n: int | None,
    succ: int | None,
    s_sum: float | None,
    s_n: int | None,
    w_sum: float | None,
    w_n: int | None,
) -> dict[str, Any]:
    """The ``batches`` totals from a ``rollup_batches`` row (all None: no runs)."""
    return {
        "total_runs": int(runs_n or 0),
        "successful_runs": int(succ or 0),
        "avg_score": mean(s_sum, s_n),
        "avg_weighted_score": mean(w_sum, w_n),
    }


_TOTALS_COLUMNS = (
    "runs",
    "succ_runs",
    "done_score_sum",
    "done_score_n",
    "done_weighted_sum",
    "done_weighted_n",
)


# --- upsert statements, built once per dialect ----------------------------------

_STATEMENTS: dict[str, dict[str, Prepared]] = {}


def _statements(dialect: str) -> dict[str, Prepared]:
    built = _STATEMENTS.get(dialect)
    if built is None:
        batches_upsert = _upsert(dialect, rollup_batches, RUN_MEASURES).returning(
            *(rollup_batches.c[name] for name in _TOTALS_COLUMNS)
        )
        built = {
            rollup_runs_hourly.name: _prepared(_upsert(dialect, rollup_runs_hourly, RUN_MEASURES)),
            rollup_runs_dims.name: _prepared(_upsert(dialect, rollup_runs_dims, RUN_MEASURES)),
            rollup_batches.name: Prepared(batches_upsert, [c.name for c in rollup_batches.c]),
            rollup_batch_dims.name: _prepared(_upsert(dialect, rollup_batch_dims, RUN_MEASURES)),
            rollup_evaluators_hourly.name: _prepared(
                _upsert(dialect, rollup_evaluators_hourly, ("n", "score_sum"))
            ),
            rollup_batch_evaluators.name: _prepared(
                _upsert(dialect, rollup_batch_evaluators, ("n", "score_sum", "max_score_max"))
            ),
        }
        _STATEMENTS[dialect] = built
    return built


def _prepared(statement: Any) -> Prepared:
    return Prepared(statement, [c.name for c in statement.table.c])


def _upsert(dialect: str, table: sa.Table, measures: Sequence[str]) -> Any:
    return upsert_adding(
        dialect,
        table,
        measures,
        minima=_MINIMA,
        maxima=(*_MAXIMA, "max_score_max"),
    )


def upsert_adding(
    dialect: str,
    table: sa.Table,
    measures: Sequence[str],
    *,
    minima: Sequence[str] = (),
    maxima: Sequence[str] = (),
) -> Any:
    """INSERT of a pre-aggregate row that, when the key exists, adds its measures to
    the stored ones (keeps the smaller of ``minima``, the larger of ``maxima``)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    new = insert.excluded
    updates: dict[str, ColumnElement[Any]] = {}
    for name in measures:
        old = table.c[name]
        if name in minima:
            updates[name] = sa.case((old.is_(None) | (new[name] < old), new[name]), else_=old)
        elif name in maxima:
            updates[name] = sa.case((old.is_(None) | (new[name] > old), new[name]), else_=old)
        else:
            updates[name] = old + new[name]
    keys = [c.name for c in table.primary_key.columns]
    return insert.on_conflict_do_update(index_elements=keys, set_=updates)


# --- full recomputation -------------------------------------------------------


def run_measure_columns() -> list[ColumnElement[Any]]:
    """Every run measure as an aggregate over ``runs``, labelled by its name."""
    done = runs.c.status == "completed"
    succ = done & runs.c.is_successful
    score, weighted = runs.c.total_score, runs.c.weighted_score

    def total(cond: ColumnElement[bool], col: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, col))), 0.0)

    def count(cond: ColumnElement[bool], col: ColumnElement[Any]) -> ColumnElement[Any]:
        return sa.func.count(sa.case((cond, col)))

    return [
        sa.func.count().label("runs"),
        sa.func.count(sa.case((succ, 1))).label("succ_runs"),
        total(succ, score).label("succ_score_sum"),
        count(succ, score).label("succ_score_n"),
        total(succ, weighted).label("succ_weighted_sum"),
        count(succ, weighted).label("succ_weighted_n"),
        sa.func.min(sa.case((succ, weighted))).label("succ_weighted_min"),
        sa.func.max(sa.case((succ, weighted))).label("succ_weighted_max"),
        sa.func.min(weighted).label("weighted_min"),
        sa.func.max(weighted).label("weighted_max"),
        total(done, score).label("done_score_sum"),
        count(done, score).label("done_score_n"),
        total(done, weighted).label("done_weighted_sum"),
        count(done, weighted).label("done_weighted_n"),
    ]


def rebuild(conn: Connection) -> None:
    """Recompute every pre-aggregate from the runs and evaluations as stored now."""
    for table in (
        rollup_runs_hourly,
        rollup_runs_dims,
        rollup_batches,
        rollup_batch_dims,
        rollup_evaluators_hourly,
        rollup_batch_evaluators,
    ):
        conn.execute(table.delete())
    measures = run_measure_columns()
    model = sa.func.coalesce(runs.c.model, NO_MODEL)
    hour = (runs.c.started_at // HOUR_MS).label("hour")
    _insert_from(conn, rollup_runs_hourly, [hour, sa.literal(0).label("shard"), *measures], [hour])
    dims = [runs.c.suite, runs.c.scenario, runs.c.agent, model.label("model")]
    _insert_from(conn, rollup_runs_dims, [*dims, sa.literal(0).label("shard"), *measures], dims)
    has_batch = runs.c.batch_id.is_not(None)
    _insert_from(conn, rollup_batches, [runs.c.batch_id, *measures], [runs.c.batch_id], has_batch)
    batch_dims = [runs.c.batch_id, *dims]
    _insert_from(
        conn,
        rollup_batch_dims,
        [*batch_dims, *measures],
        batch_dims,
        has_batch,
    )
    ev_hour = (evaluations.c.created_at // HOUR_MS).label("hour")
    conn.execute(
        rollup_evaluators_hourly.insert().from_select(
            ["evaluator_name", "hour", "shard", "n", "score_sum"],
            sa.select(
                evaluations.c.evaluator_name,
                ev_hour,
                sa.literal(0),
                sa.func.count(),
                sa.func.sum(evaluations.c.score),
            ).group_by(evaluations.c.evaluator_name, ev_hour),
        )
    )
    succ = (runs.c.status == "completed") & runs.c.is_successful
    conn.execute(
        rollup_batch_evaluators.insert().from_select(
            ["batch_id", "evaluator_name", "n", "score_sum", "max_score_max"],
            sa.select(
                runs.c.batch_id,
                evaluations.c.evaluator_name,
                sa.func.count(),
                sa.func.sum(evaluations.c.score),
                sa.func.max(evaluations.c.max_score),
            )
            .select_from(evaluations.join(runs, runs.c.run_id == evaluations.c.run_id))
            .where(runs.c.batch_id.is_not(None) & succ)
            .group_by(runs.c.batch_id, evaluations.c.evaluator_name),
        )
    )


def _insert_from(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[ColumnElement[Any]],
    group_by: Sequence[ColumnElement[Any]],
    where: ColumnElement[bool] | None = None,
) -> None:
    query = sa.select(*columns).group_by(*group_by)
    if where is not None:
        query = query.where(where)
    names = [str(c.key) for c in columns]
    conn.execute(table.insert().from_select(names, query))


def batch_totals(conn: Connection, batch_id: str) -> dict[str, Any]:
    """A batch's totals (the ``batches`` columns) from its pre-aggregate: every run,
    the completed successful ones, and the mean scores of its completed runs."""
    r = rollup_batches.c
    row = conn.execute(
        sa.select(*(r[name] for name in _TOTALS_COLUMNS)).where(r.batch_id == batch_id)
    ).first()
    return _totals(*row) if row is not None else _totals(None, None, None, None, None, None)


def write_batch_totals(
    conn: Connection, totals: Mapping[str, Mapping[str, Any]], *, now: int
) -> None:
    """Set the totals columns of each batch in ``totals`` (by batch id) at time ``now``."""
    _UPDATE_BATCH_TOTALS.executemany(
        conn,
        [{**t, "updated_at": now, "key_batch_id": batch_id} for batch_id, t in totals.items()],
    )


_UPDATE_BATCH_TOTALS = Prepared(
    batches.update()
    .where(batches.c.batch_id == sa.bindparam("key_batch_id"))
    .values(
        {
            name: sa.bindparam(name)
            for name in (
                "total_runs",
                "successful_runs",
                "avg_score",
                "avg_weighted_score",
                "updated_at",
            )
        }
    )
)


def rebuild_all(conn: Connection) -> int:
    """``rebuild``, the dashboard's pre-aggregates, then every batch's totals; returns
    the number of batches."""
    from zebench.service import dashboard_rollups  # it builds on this module

    if conn.dialect.name == "postgresql":
        # Runs stored meanwhile by other processes wait until the rebuild commits, so
        # each is counted exactly once: in the rebuild's snapshot or after it.
        conn.execute(sa.text("LOCK TABLE runs IN SHARE MODE"))
    rebuild(conn)
    dashboard_rollups.rebuild(conn)
    r = rollup_batches.c
    rows = conn.execute(
        sa.select(batches.c.batch_id, *(r[name] for name in _TOTALS_COLUMNS)).select_from(
            batches.outerjoin(rollup_batches, r.batch_id == batches.c.batch_id)
        )
    ).all()
    write_batch_totals(conn, {row[0]: _totals(*row[1:]) for row in rows}, now=now_ms())
    return len(rows)
