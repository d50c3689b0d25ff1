"""The statistics of the original Worker, read from the pre-aggregates.

Each function means what the original Worker's SQL meant (the docstrings say it
in words); the figures come from ``zebench.service.aggregates`` so they cost a
few rows whatever the number of runs. "Successful" runs are the completed runs
whose outcome is successful. Time windows (``days``) cut at an exact instant like
the original's ``datetime('now', '-N days')``: whole hours come from the hourly
pre-aggregates, the one partial hour at the start of the window from the raw rows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.time import DAY_MS, now_ms, to_iso
from zebench.service.aggregates import HOUR_MS, mean, succeeded
from zebench.store.aggregate_tables import NO_MODEL_KEY, agg_cells, agg_evaluator_hours, agg_hours
from zebench.store.tables import evaluations, runs

_SUMMARY = ("runs", "succ_runs", "succ_total_sum", "succ_total_n", "succ_score_sum", "succ_scored")


def desc_nulls_last(key: str) -> Any:
    """A sort key: ``item[key]`` largest first, None last."""
    return lambda item: (item[key] is None, -(item[key] or 0.0))


def _summary(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "totalRuns": int(values["runs"] or 0),
        "successfulRuns": int(values["succ_runs"] or 0),
        "avgScore": mean(values["succ_total_sum"], values["succ_total_n"]),
        "avgWeightedScore": mean(values["succ_score_sum"], values["succ_scored"]),
    }


def _when(cond: sa.ColumnElement[bool], column: sa.ColumnElement[Any]) -> Any:
    return sa.func.sum(sa.case((cond, column), else_=0))


def _raw_summary(conn: Connection, *where: sa.ColumnElement[bool]) -> dict[str, Any]:
    """The ``_SUMMARY`` measures of the runs ``where`` selects, from the raw rows."""
    succ = (runs.c.status == "completed") & runs.c.is_successful
    total = sa.case((succ, runs.c.total_score))
    weighted = sa.case((succ, runs.c.weighted_score))
    columns = [
        sa.func.count().label("runs"),
        sa.func.count(sa.case((succ, 1))).label("succ_runs"),
        sa.func.sum(total).label("succ_total_sum"),
        sa.func.count(total).label("succ_total_n"),
        sa.func.sum(weighted).label("succ_score_sum"),
        sa.func.count(weighted).label("succ_scored"),
    ]
    return dict(conn.execute(sa.select(*columns).where(*where)).one()._mapping)


def _summary_columns(table: sa.Table) -> list[sa.ColumnElement[Any]]:
    """The ``_SUMMARY`` measures as sums over a pre-aggregate's rows."""
    t, succ = table.c, succeeded(table)
    return [
        sa.func.sum(t.runs).label("runs"),
        _when(succ, t.runs).label("succ_runs"),
        _when(succ, t.total_sum).label("succ_total_sum"),
        _when(succ, t.total_n).label("succ_total_n"),
        _when(succ, t.score_sum).label("succ_score_sum"),
        _when(succ, t.scored).label("succ_scored"),
    ]


def _summed(conn: Connection, table: sa.Table, *where: sa.ColumnElement[bool]) -> dict[str, Any]:
    """The ``_SUMMARY`` measures of a pre-aggregate's rows ``where`` selects."""
    return dict(conn.execute(sa.select(*_summary_columns(table)).where(*where)).one()._mapping)


def _add(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {k: (a[k] or 0) + (b[k] or 0) for k in _SUMMARY}


def global_stats(conn: Connection, days: int, *, now: int | None = None) -> dict[str, Any]:
    """Runs started in the last ``days`` days (from now, to the millisecond).

    totalRuns counts them all; successfulRuns the completed, successful ones;
    avgScore / avgWeightedScore average those successful runs' scores.
    """
    cutoff = (now if now is not None else now_ms()) - days * DAY_MS
    first_full_hour = cutoff // HOUR_MS + 1
    whole = _summed(conn, agg_hours, agg_hours.c.hour >= first_full_hour)
    partial = _raw_summary(
        conn, runs.c.started_at >= cutoff, runs.c.started_at < first_full_hour * HOUR_MS
    )
    return _summary(_add(whole, partial))


def _performance(group: sa.ColumnElement[Any], *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    d = agg_cells.c
    return (
        sa.select(
            group,
            sa.func.sum(d.scored),
            sa.func.sum(d.score_sum),
            sa.func.min(d.score_min),
            sa.func.max(d.score_max),
        )
        .where(succeeded(agg_cells), *where)
        .group_by(group)
        .having(sa.func.sum(d.scored) > 0)
    )


def _performance_rows(conn: Connection, key: str, query: sa.Select[Any]) -> list[dict[str, Any]]:
    rows = [
        {
            key: name,
            "runs": int(n),
            "avgScore": mean(total, n),
            "minScore": low,
            "maxScore": high,
        }
        for name, n, total, low, high in conn.execute(query).all()
    ]
    return sorted(rows, key=lambda r: (-(r["avgScore"] or 0.0), r[key]))


def agent_stats(conn: Connection) -> list[dict[str, Any]]:
    """Per agent, over completed, successful runs that have a weighted score:
    how many, and the mean, minimum and maximum weighted score; best mean first."""
    return _performance_rows(conn, "agent", _performance(agg_cells.c.agent))


def model_stats(conn: Connection) -> list[dict[str, Any]]:
    """``agent_stats`` per model, leaving out runs without a model and model 'default'."""
    d = agg_cells.c
    query = _performance(d.model, d.model.not_in([NO_MODEL_KEY, "default"]))
    return _performance_rows(conn, "model", query)


def _breakdown(
    conn: Connection, group: sa.ColumnElement[Any], key: str, *where: sa.ColumnElement[bool]
) -> list[dict[str, Any]]:
    """Per ``group``: completed, successful runs and their mean total score."""
    d = agg_cells.c
    rows = conn.execute(
        sa.select(group, sa.func.sum(d.runs), sa.func.sum(d.total_sum), sa.func.sum(d.total_n))
        .where(succeeded(agg_cells), *where)
        .group_by(group)
        .having(sa.func.sum(d.runs) > 0)
        .order_by(group)
    ).all()
    return [
        {key: name, "runs": int(n), "avgScore": mean(total, score_n)}
        for name, n, total, score_n in rows
    ]


def suite_stats(conn: Connection, suite: str) -> dict[str, Any]:
    """The suite's totals (as ``global_stats``, all time) and, per scenario, its
    completed, successful runs and their mean total score. An unknown suite has zeros."""
    d = agg_cells.c
    stats = _summary(_summed(conn, agg_cells, d.suite == suite))
    stats["scenarioBreakdown"] = _breakdown(conn, d.scenario, "scenario", d.suite == suite)
    return stats


def scenario_stats(conn: Connection, suite: str, scenario: str) -> dict[str, Any]:
    """The scenario's totals, the minimum and maximum weighted score over all its
    runs, and per agent its completed, successful runs and mean total score (best first)."""
    d = agg_cells.c
    where = (d.suite == suite, d.scenario == scenario)
    stats = _summary(_summed(conn, agg_cells, *where))
    low, high = conn.execute(
        sa.select(sa.func.min(d.weighted_min), sa.func.max(d.weighted_max)).where(*where)
    ).one()
    stats["minScore"] = low
    stats["maxScore"] = high
    stats["agentComparison"] = sorted(
        _breakdown(conn, d.agent, "agent", *where), key=desc_nulls_last("avgScore")
    )
    return stats


def evaluator_trends(
    conn: Connection, name: str, days: int, *, now: int | None = None
) -> list[dict[str, Any]]:
    """Per UTC day, the mean score and number of the evaluator's results recorded
    in the last ``days`` days (to the millisecond); oldest day first."""
    cutoff = (now if now is not None else now_ms()) - days * DAY_MS
    first_full_hour = cutoff // HOUR_MS + 1
    e = agg_evaluator_hours.c
    day = e.hour // 24
    totals: dict[int, list[float]] = {}
    rows = conn.execute(
        sa.select(day, sa.func.sum(e.n), sa.func.sum(e.score_sum))
        .where(e.evaluator_name == name, e.hour >= first_full_hour)
        .group_by(day)
    ).all()
    for bucket, n, total in rows:
        totals[int(bucket)] = [int(n), float(total)]
    n, total = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(evaluations.c.score)).where(
            evaluations.c.evaluator_name == name,
            evaluations.c.created_at >= cutoff,
            evaluations.c.created_at < first_full_hour * HOUR_MS,
        )
    ).one()
    if n:
        acc = totals.setdefault(cutoff // DAY_MS, [0, 0.0])
        acc[0] += n
        acc[1] += total
    return [
        {"date": _iso_date(bucket), "avgScore": total / n, "count": int(n)}
        for bucket, (n, total) in sorted(totals.items())
    ]


def _iso_date(day: int) -> str:
    return (to_iso(day * DAY_MS) or "").partition("T")[0]
