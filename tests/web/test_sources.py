"""Figures read from the dashboard pre-aggregates equal those computed from the generated
runs, for every kind of filter; rebuilding or migrating them reproduces what ingest kept."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from dashboard_support import (
    by_pair,
    ci95,
    generated,
    median_duration,
    reported_cost,
    scored,
    seeded,
    successful,
)
from demo_data import Generated
from tolerance import nearly_equal
from zebench.model.results import ResultIn
from zebench.model.time import DAY_MS, to_ms
from zebench.service import aggregates
from zebench.service.analytics.evaluations import evaluator_rows
from zebench.service.analytics.leaderboard import compute_leaderboard
from zebench.service.analytics.sources import OUTCOME, stats, totals
from zebench.service.analytics.trends import compute_trends
from zebench.service.filters import NO_MODEL, RunFilter
from zebench.service.results import content_hash, store_results, upsert_batch
from zebench.store.aggregate_tables import agg_durations
from zebench.store.database import Database
from zebench.store.migrate import alembic_config, upgrade


def _day(r: ResultIn) -> date:
    return r.started_at.astimezone(UTC).date()


def selects(flt: RunFilter, r: ResultIn) -> bool:
    """The filter's meaning, written out over one generated result."""
    for name in ("suite", "scenario", "tier", "agent"):
        wanted = getattr(flt, name)
        if wanted is not None and getattr(r, name) != wanted:
            return False
    if flt.model is not None and r.model != (None if flt.model == NO_MODEL else flt.model):
        return False
    won = r.status == "completed" and r.is_successful
    if flt.status == "successful" and not won:
        return False
    if flt.status == "unsuccessful" and won:
        return False
    if flt.status in ("completed", "failed") and r.status != flt.status:
        return False
    if flt.batch is not None and r.batch_id != flt.batch:
        return False
    if flt.since is not None and _day(r) < flt.since:
        return False
    return flt.until is None or _day(r) <= flt.until


def filters(data: Generated) -> list[RunFilter]:
    first = data.results[0]
    days = sorted({_day(r) for r in data.results})
    middle = days[len(days) // 2]
    return [
        RunFilter(),
        RunFilter(suite=first.suite),
        RunFilter(suite=first.suite, scenario=first.scenario, tier=first.tier),
        RunFilter(agent=first.agent, status="successful"),
        RunFilter(status="unsuccessful"),
        RunFilter(status="failed", suite=first.suite),
        RunFilter(model=NO_MODEL),
        RunFilter(since=middle),
        RunFilter(since=days[1], until=middle, tier=first.tier),
        RunFilter(until=days[0] - timedelta(days=1)),  # nothing
        RunFilter(batch=first.batch_id, status="completed"),  # read from the runs
    ]


def each_filter(data: Generated) -> Callable[[Callable[[RunFilter, list[ResultIn]], None]], None]:
    def run(check: Callable[[RunFilter, list[ResultIn]], None]) -> None:
        for flt in filters(data):
            chosen = [r for r in data.results if selects(flt, r)]
            try:
                check(flt, chosen)
            except AssertionError as exc:
                raise AssertionError(f"{flt}: {exc}") from exc

    return run


def test_leaderboard_under_every_filter(seeded_db: Database, data: Generated) -> None:
    def check(flt: RunFilter, chosen: list[ResultIn]) -> None:
        with seeded_db.read() as conn:
            board = compute_leaderboard(conn, flt)
        pairs = by_pair(chosen)
        assert {(r["agent"], r["model"]) for r in board.rows} == set(pairs)
        for row in board.rows:
            runs = pairs[(row["agent"], row["model"])]
            scores = scored(runs)
            assert row["runs"] == len(runs)
            assert row["successful"] == successful(runs)
            assert row["meanScore"] == pytest.approx(statistics.mean(scores) if scores else None)
            assert row["maxScore"] == (max(scores) if scores else None)
            expected_ci = ci95(scores)
            assert row["scoreCi95"] == (
                None if expected_ci is None else pytest.approx(expected_ci, rel=0.002)
            )
            assert row["totalCost"] == pytest.approx(reported_cost(runs))
            assert row["medianDurationMs"] == pytest.approx(median_duration(runs))
        assert sum(map(sum, board.heat_map.counts)) == len(chosen)

    each_filter(data)(check)


def test_evaluators_under_every_filter(seeded_db: Database, data: Generated) -> None:
    def check(flt: RunFilter, chosen: list[ResultIn]) -> None:
        with seeded_db.read() as conn:
            rows = {row["evaluator"]: row for row in evaluator_rows(conn, flt)}
        evaluated: dict[str, list[Any]] = {}
        for r in chosen:
            for e in r.evaluations:
                evaluated.setdefault(e.evaluator_name, []).append(e)
        assert set(rows) == set(evaluated)
        for name, found in evaluated.items():
            ratios = [e.score / e.max_score for e in found if e.max_score]
            row = rows[name]
            assert row["evaluations"] == len(found)
            assert row["meanRatio"] == pytest.approx(statistics.mean(ratios) if ratios else None)
            assert row["minRatio"] == pytest.approx(min(ratios) if ratios else None)
            assert row["perfectShare"] == pytest.approx(
                sum(e.score >= e.max_score for e in found) / len(found)
            )
            assert row["meanScore"] == pytest.approx(statistics.mean(e.score for e in found))

    each_filter(data)(check)


def test_trends_under_every_filter(seeded_db: Database, data: Generated) -> None:
    def check(flt: RunFilter, chosen: list[ResultIn]) -> None:
        with seeded_db.read() as conn:
            trends = compute_trends(conn, flt)
        assert trends.bucket_days == 1  # the generated runs span 20 days
        expected: dict[tuple[str, int], list[ResultIn]] = {}
        for r in chosen:
            label = f"{r.agent} / {r.model or '(no model)'}"
            start = int(r.started_at.timestamp() * 1000) // DAY_MS * DAY_MS
            expected.setdefault((label, start), []).append(r)
        points = {
            (s.name, x): (n, rate)
            for s in trends.pairs
            for x, n, rate in zip(s.x, s.runs, s.success_rate, strict=True)
        }
        assert set(points) == set(expected)
        for key, runs in expected.items():
            assert points[key] == (len(runs), pytest.approx(successful(runs) / len(runs)))
        evaluations = sum(n for s in trends.evaluators for n in s.runs)
        assert evaluations == sum(len(r.evaluations) for r in chosen)

    each_filter(data)(check)


def _dashboard_tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every pre-aggregate row, shards (PostgreSQL's spread of hot keys) added together."""
    r = aggregates
    kinds = {
        **{n: sa.func.sum for n in (*r.RUN_SUMS, *r.EVALUATION_SUMS)},
        **{n: sa.func.min for n in (*r.RUN_MINIMA, *r.EVALUATION_MINIMA)},
        **{n: sa.func.max for n in (*r.RUN_MAXIMA, *r.EVALUATION_MAXIMA)},
    }
    out = {}
    with db.read() as conn:
        for agg in r.ALL:
            t = agg.table
            keys = [c for c in t.primary_key.columns if c.name != "shard"]
            measures = [kinds[c.name](c) for c in t.c if c.name in kinds]
            rows = conn.execute(sa.select(*keys, *measures).group_by(*keys)).all()
            out[t.name] = sorted(tuple(row) for row in rows)
        out["durations"] = sorted(tuple(row) for row in conn.execute(sa.select(agg_durations)))
    return out


def test_rebuild_and_migration_reproduce_what_ingest_kept(db_url: str) -> None:
    data = generated(runs=120, batches=3)
    with seeded(db_url, data) as db:  # one result per statement group (store_result)
        kept = _dashboard_tables(db)
        assert all(kept.values())
        db.write(aggregates.rebuild)
        assert nearly_equal(_dashboard_tables(db), kept)
        # A database from before these tables existed gets them filled on upgrade.
        cfg = alembic_config(db)
        with db.write_engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0001")
            conn.commit()
        upgrade(db)
        assert nearly_equal(_dashboard_tables(db), kept)


def test_grouped_writes_keep_the_same_figures(sqlite_url: str, tmp_path: Path) -> None:
    """The SQLite writer's grouped path folds many runs per key before it upserts."""
    data = generated(runs=120, batches=3)
    with seeded(f"sqlite:///{tmp_path / 'one-by-one.db'}", data) as single:
        expected = _dashboard_tables(single)
    with seeded(sqlite_url, None) as db:
        for batch in data.batches:
            db.write(lambda conn, b=batch: upsert_batch(conn, b))
        items = [(r, content_hash(r)) for r in data.results]
        for start in range(0, len(items), 50):
            chunk = items[start : start + 50]
            outcomes = db.write(lambda conn, chunk=chunk: store_results(conn, chunk))
            assert all(getattr(o, "status", None) == "created" for o in outcomes)
        assert nearly_equal(_dashboard_tables(db), expected)


def test_outcome_groups_and_windows_from_an_exact_instant(
    seeded_db: Database, data: Generated
) -> None:
    """Grouped by outcome under every filter; and from an instant inside an hour, as the
    API's "last N days" reads it (whole hours pre-aggregated, the partial one raw)."""
    with seeded_db.read() as conn:
        for flt in filters(data):
            chosen = [r for r in data.results if selects(flt, r)]
            got = {g.key: g.runs for g in stats(conn, OUTCOME, flt)}
            assert got == Counter((r.status, bool(r.is_successful)) for r in chosen), flt
        starts = sorted(to_ms(r.started_at) for r in data.results)
        for start in starts[:: len(starts) // 7]:
            instant = start + 1_234  # inside an hour
            later = [r for r in data.results if to_ms(r.started_at) >= instant]
            won = [r for r in later if r.status == "completed" and r.is_successful]
            window = totals(conn, RunFilter(started_from=instant))
            assert (window.every.runs, window.successful.runs) == (len(later), len(won))
            assert window.every.successful == len(won)
            scores = scored(won)
            mean = statistics.mean(scores) if scores else None
            assert window.successful.mean_score == pytest.approx(mean)
