"""Importing the original system's data: a real `wrangler d1 export` dump and an old
benchmarks.db, on SQLite and PostgreSQL, idempotently."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from zebench.service.transfer import import_file
from zebench.store.database import Database
from zebench.store.tables import batches, evaluations, runs, telemetry


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def count(db: Database, table: sa.Table) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def run_row(db: Database, run_id: str) -> sa.Row[tuple[object, ...]]:
    with db.read() as conn:
        return conn.execute(sa.select(runs).where(runs.c.run_id == run_id)).one()


def test_d1_dump_is_imported_whole(db: Database, d1_sample: Path) -> None:
    report = import_file(db, d1_sample)

    assert (report.runs_created, report.runs_invalid, report.runs_conflict) == (24, 0, 0)
    assert report.batches_created == 3
    assert report.orphans == {}
    assert count(db, runs) == 24
    assert count(db, evaluations) == 42
    assert count(db, telemetry) == 21
    assert count(db, batches) == 3

    first = run_row(db, "1763400000000-0000ab")
    assert first.batch_id == "batch-1763400000000-0"
    assert (first.suite, first.scenario, first.tier, first.agent) == (
        "update-deps",
        "nx-pnpm-monorepo",
        "L0",
        "echo",
    )
    assert first.model is None
    assert first.started_at == ms("2025-11-10T12:00:00")
    assert first.completed_at == ms("2025-11-10T12:05:30")
    assert (first.total_score, first.weighted_score, first.is_successful) == (0, 0.25, False)
    assert first.specialist_enabled is True
    assert (first.specialist_name, first.specialist_version) == ("nextjs-specialist", "0.0.3")
    assert json.loads(first.metadata)["packageManager"] == "pnpm"

    with db.read() as conn:
        failed = conn.execute(
            sa.select(runs.c.run_id, runs.c.metadata)
            .where(runs.c.status == "failed")
            .order_by(runs.c.run_id)
        ).all()
        evals = conn.execute(
            sa.select(evaluations)
            .where(evaluations.c.run_id == "1763400000000-0000ab")
            .order_by(evaluations.c.id)
        ).all()
        tele = conn.execute(
            sa.select(telemetry).where(telemetry.c.run_id == "1763400023000-0017ab")
        ).one()
    assert [r.run_id for r in failed] == [
        "1763400003000-0003ab",
        "1763400010000-000aab",
        "1763400017000-0011ab",
    ]
    for row in failed:
        assert json.loads(row.metadata) == {
            "error": "Agent timed out after 40 minutes",
            "errorType": "agent",
        }
    assert [(e.evaluator_name, e.score, e.max_score) for e in evals] == [
        ("heuristic_checks", 0, 1),
        ("llm_judge", 0.3, 1),
    ]
    assert evals[0].details == '{"passed": 3, "total": 5}'
    # The original recording time is kept (evaluator trends bucket by it).
    assert evals[0].created_at == ms("2026-11-22T11:27:05")
    assert (tele.tool_calls, tele.tokens_in, tele.tokens_out) == (69, 14300, 3230)
    assert (tele.cost_usd, tele.duration_ms) == (1.15, 143000)
    assert (tele.workspace_dir, tele.prompt_sent) == ("/tmp/ws-23", "Update dependencies.")


def test_batch_totals_come_from_runs_not_from_the_dump(db: Database, d1_sample: Path) -> None:
    import_file(db, d1_sample)
    with db.read() as conn:
        rows = {r.batch_id: r for r in conn.execute(sa.select(batches))}
    # The dump claims 8 runs / 4 successful / avg 0.5 for each batch; the runs say otherwise.
    b0, b1, b2 = (rows[f"batch-1763400000000-{i}"] for i in range(3))
    assert [b.total_runs for b in (b0, b1, b2)] == [8, 8, 8]
    assert [b.successful_runs for b in (b0, b1, b2)] == [0, 7, 7]
    # Batch 0 holds one failed run; the seven completed ones average to 3.1 / 7.
    assert abs(b0.avg_score - 3.1 / 7) < 1e-12
    # Fields only the batch row knows are kept as dumped.
    assert (b0.created_at, b0.completed_at) == (1795346825000, 1763400900000)
    assert json.loads(b0.metadata) == {"suite": "mixed"}


def test_importing_twice_stores_nothing_twice(db: Database, d1_sample: Path) -> None:
    import_file(db, d1_sample)
    again = import_file(db, d1_sample)

    assert (again.runs_created, again.runs_duplicate, again.runs_conflict) == (0, 24, 0)
    assert (again.batches_created, again.batches_updated, again.batches_unchanged) == (0, 0, 3)
    assert again.ok
    assert (count(db, runs), count(db, evaluations), count(db, telemetry)) == (24, 42, 21)


def test_changed_content_under_a_stored_run_id_is_a_conflict(
    db: Database, d1_sample: Path, tmp_path: Path
) -> None:
    import_file(db, d1_sample)
    changed = tmp_path / "changed.sql"
    changed.write_text(
        d1_sample.read_text().replace(
            "'1763400000000-0000ab','batch-1763400000000-0','update-deps','nx-pnpm-monorepo',"
            "'L0','echo',NULL,'completed','2025-11-10T12:00:00.000Z','2025-11-10T12:05:30.000Z',0,",
            "'1763400000000-0000ab','batch-1763400000000-0','update-deps','nx-pnpm-monorepo',"
            "'L0','echo',NULL,'completed','2025-11-10T12:00:00.000Z','2025-11-10T12:05:30.000Z',1,",
        )
    )
    report = import_file(db, changed)

    assert (report.runs_created, report.runs_duplicate, report.runs_conflict) == (0, 23, 1)
    assert not report.ok
    assert "1763400000000-0000ab" in report.problems[0]
    assert "different content" in report.problems[0]
    assert run_row(db, "1763400000000-0000ab").total_score == 0


def test_old_benchmarks_db_is_imported_whole(db: Database, old_benchmarks_db: Path) -> None:
    report = import_file(db, old_benchmarks_db)

    assert (report.runs_created, report.runs_invalid) == (30, 0)
    assert report.batches_created == 1
    # The evaluation of a run that no longer exists cannot be stored; it is reported.
    assert report.orphans == {"evaluation_results": 1}
    assert count(db, runs) == 30
    assert count(db, evaluations) == 2 * 28
    assert count(db, telemetry) == 28

    sqlite_style = run_row(db, "old-0002")
    assert sqlite_style.started_at == ms("2024-01-03T10:02:00")
    assert sqlite_style.completed_at == ms("2024-01-03T11:02:00")
    iso_style = run_row(db, "old-0001")
    assert iso_style.started_at == ms("2024-01-02T10:01:00.250")
    assert iso_style.model == "claude-sonnet-4-5"
    assert iso_style.is_successful is True
    assert iso_style.specialist_enabled is False  # the column did not exist yet
    assert json.loads(iso_style.metadata) == {"n": 1}

    failed = run_row(db, "old-0003")
    assert failed.status == "failed"
    assert json.loads(failed.metadata) == {"error": "agent crashed", "errorType": "agent"}
    # A status the new contract does not have is kept in metadata, not lost.
    running = run_row(db, "old-0004")
    assert running.status == "failed"
    assert json.loads(running.metadata) == {"n": 4, "legacyStatus": "running"}

    with db.read() as conn:
        batch = conn.execute(sa.select(batches)).one()
        tele = conn.execute(sa.select(telemetry).where(telemetry.c.run_id == "old-0007")).one()
        ev = conn.execute(
            sa.select(evaluations).where(evaluations.c.run_id == "old-0007").limit(1)
        ).one()
    assert (batch.batch_id, batch.created_at, batch.completed_at) == (
        "old-batch",
        1_700_000_000_000,
        1_700_000_600_000,
    )
    assert batch.total_runs == 20  # runs 0-19; the claimed 99 is ignored
    assert (tele.tool_calls, tele.tokens_in, tele.workspace_dir) == (7, 1007, "/tmp/ws-7")
    assert tele.prompt_sent is None
    assert ev.created_at == ms("2024-02-01T08:00:00")
    assert ev.details == "heuristic_checks on old-0007"

    again = import_file(db, old_benchmarks_db)
    assert (again.runs_created, again.runs_duplicate) == (0, 30)
    assert count(db, evaluations) == 56
