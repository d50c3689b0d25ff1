"""Deleting runs and batches leaves every statistic what a fresh import of the rest gives."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dashboard_support import NOW_MS, generated, seeded
from demo_data import Generated
from loopback import fresh_pg_database
from tolerance import nearly_equal
from zebench.api.serializers import stats as answers
from zebench.api.serializers.batches import analytics_json, batch_json
from zebench.model.time import to_ms
from zebench.service import aggregates, deletion
from zebench.service import batches as batch_service
from zebench.service import stats as stats_service
from zebench.service.analytics.leaderboard import compute_leaderboard
from zebench.service.analytics.trends import compute_trends
from zebench.service.batch_analytics import batch_figures
from zebench.service.filters import RunFilter
from zebench.service.runs import runs_of_batch
from zebench.store.database import Database
from zebench.store.tables import batch_tags, batches, evaluations, runs, telemetry, transcripts


def _pre_aggregates(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every pre-aggregate row, shards added together."""
    out = {}
    with db.read() as conn:
        for spec in aggregates.recomputes():
            t = spec.table
            keys = [t.c[n] for n in spec.key_names]
            if not spec.grouped:
                rows = conn.execute(sa.select(*(c for c in t.c if c.name != "shard"))).all()
            else:
                measures = [_fold(t.c[name]) for name in spec.measures]
                rows = conn.execute(sa.select(*keys, *measures).group_by(*keys)).all()
            out[t.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _fold(column: sa.Column[Any]) -> Any:
    if column.name in (*aggregates.RUN_MINIMA, *aggregates.EVALUATION_MINIMA):
        return sa.func.min(column)
    if column.name in (*aggregates.RUN_MAXIMA, *aggregates.EVALUATION_MAXIMA):
        return sa.func.max(column)
    return sa.func.sum(column)


def _figures(db: Database, suites: list[str], batch_ids: list[str]) -> Any:
    """What the API and the dashboard show, through the functions they call."""
    with db.read() as conn:
        return {
            "global": answers.global_stats(stats_service.global_stats(conn, 60, now=NOW_MS)),
            "agents": answers.performance(stats_service.performance(conn, "agent"), "agent"),
            "models": answers.performance(stats_service.performance(conn, "model"), "model"),
            "suites": [answers.suite_stats(stats_service.suite_stats(conn, s)) for s in suites],
            "batches": [
                {**batch_json(batch_service.get_batch(conn, b)), "runs": runs_of_batch(conn, b)}
                for b in batch_ids
            ],
            "analytics": [analytics_json(batch_figures(conn, b)) for b in batch_ids],
            "leaderboard": compute_leaderboard(conn, RunFilter()),
            "trends": compute_trends(conn, RunFilter()),
            "listed": [batch_json(b) for b in batch_service.list_batches(conn, limit=100).rows],
        }


def _without(data: Generated, run_ids: set[str], batch_ids: set[str]) -> Generated:
    return Generated(
        batches=[b for b in data.batches if b.batch_id not in batch_ids],
        results=[r for r in data.results if r.run_id not in run_ids],
    )


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_deleting_leaves_what_a_fresh_import_of_the_rest_gives(db_url: str, tmp_path: Path) -> None:
    data = generated(runs=150, batches=3)
    gone_batch = data.batches[0].batch_id
    kept_batches = [b.batch_id for b in data.batches[1:]]
    in_kept = [r for r in data.results if r.batch_id == kept_batches[0]]
    single = [in_kept[0].run_id, in_kept[-1].run_id]
    suite = data.results[0].suite
    cutoff = sorted(to_ms(r.started_at) for r in data.results)[len(data.results) // 3]
    old = {
        r.run_id
        for r in data.results
        if to_ms(r.started_at) < cutoff and r.suite == suite and r.batch_id != gone_batch
    }
    assert old, "the cut must remove runs of the batches that stay"
    removed = {r.run_id for r in data.results if r.batch_id == gone_batch} | set(single) | old

    with seeded(db_url, data) as db:
        deleted = db.write(lambda conn: deletion.delete_batch(conn, gone_batch))
        assert deleted.batch_ids == [gone_batch] and deleted.run_ids
        assert db.write(lambda conn: deletion.delete_run(conn, single[0])).run_ids == single[:1]
        db.write(lambda conn: deletion.delete_runs(conn, [single[1]]))
        before = db.write(lambda conn: deletion.runs_before(conn, cutoff, suite))
        assert set(before) == old - set(single)
        db.write(lambda conn: deletion.delete_runs(conn, before))
        with db.read() as conn:
            left = set(conn.execute(sa.select(runs.c.run_id)).scalars())
            assert left == {r.run_id for r in data.results} - removed
            for table in (evaluations, telemetry, transcripts):
                orphans = (
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.run_id.not_in(sa.select(runs.c.run_id)))
                )
                assert conn.execute(orphans).scalar() == 0
            assert (
                conn.execute(
                    sa.select(batches.c.batch_id).where(batches.c.batch_id == gone_batch)
                ).first()
                is None
            )
            assert not conn.execute(
                sa.select(batch_tags).where(batch_tags.c.batch_id == gone_batch)
            ).all()
        aggregates = _pre_aggregates(db)
        figures = _figures(db, sorted({r.suite for r in data.results}), kept_batches)

    rest = _without(data, removed, {gone_batch})
    suites = sorted({r.suite for r in data.results})
    with _fresh(db_url, tmp_path) as url, seeded(url, rest) as fresh:
        expected_aggregates = _pre_aggregates(fresh)
        expected = _figures(fresh, suites, kept_batches)
    assert set(aggregates) == set(expected_aggregates)
    for name, rows in expected_aggregates.items():
        assert nearly_equal(aggregates[name], rows), name
    for name, value in expected.items():
        assert nearly_equal(_comparable(figures[name]), _comparable(value)), name


@contextmanager
def _fresh(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the same engine."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        with fresh_pg_database("zebench_fresh") as url:
            yield url


def _comparable(value: Any) -> Any:
    """Without what differs between two databases holding the same runs: row ids and
    the time a batch's totals were last written (dataclasses as dicts, so that their
    floats compare with a tolerance too; stored rows, named tuples, as dicts too)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        value = value._asdict()
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in ("id", "updatedAt")}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def test_unknown_run_or_batch_is_not_found(sqlite_url: str) -> None:
    from zebench.model.errors import NotFound

    with seeded(sqlite_url, generated(runs=10, batches=1)) as db:
        with pytest.raises(NotFound):
            db.write(lambda conn: deletion.delete_run(conn, "run-nope"))
        with pytest.raises(NotFound):
            db.write(lambda conn: deletion.delete_batch(conn, "batch-nope"))


def test_a_deletion_changes_the_data_version_even_for_an_old_run_without_batch(
    sqlite_url: str,
) -> None:
    from zebench.service.analytics.version import data_version

    data = generated(runs=20, batches=1)
    with seeded(sqlite_url, data) as db:
        with db.read() as conn:
            first = data_version(conn)
        db.write(lambda conn: deletion.delete_runs(conn, [data.results[0].run_id]))
        with db.read() as conn:
            assert data_version(conn) != first
