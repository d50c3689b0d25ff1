"""Files in the original system's formats, and a way to get a second empty database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopback import empty_twin_of
from zebench.store.database import Database

D1_SAMPLE = Path(__file__).parents[1] / "fixtures" / "d1-export-sample.sql"
"""A real `wrangler d1 export` of the original Worker's database (24 runs, 3 batches)."""

# The original local schema (seed 000 section 3, before the specialist columns and
# prompt_sent existed), as the old harness wrote it to benchmarks.db.
OLD_SCHEMA = """
CREATE TABLE batch_runs (
  batchId TEXT PRIMARY KEY, createdAt INTEGER NOT NULL, completedAt INTEGER,
  totalRuns INTEGER DEFAULT 0, successfulRuns INTEGER DEFAULT 0,
  avgScore REAL, avgWeightedScore REAL, metadata TEXT);
CREATE TABLE benchmark_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE NOT NULL, batchId TEXT,
  suite TEXT NOT NULL, scenario TEXT NOT NULL, tier TEXT NOT NULL, agent TEXT NOT NULL,
  model TEXT, status TEXT NOT NULL, started_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  completed_at DATETIME, total_score REAL, weighted_score REAL,
  is_successful INTEGER DEFAULT 0, success_metric REAL, metadata TEXT,
  FOREIGN KEY (batchId) REFERENCES batch_runs(batchId));
CREATE TABLE evaluation_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, evaluator_name TEXT NOT NULL,
  score REAL NOT NULL, max_score REAL NOT NULL, details TEXT,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE run_telemetry (
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, tool_calls INTEGER,
  tokens_in INTEGER, tokens_out INTEGER, cost_usd REAL, duration_ms INTEGER,
  workspace_dir TEXT);
"""


def write_old_benchmarks_db(path: Path, runs: int = 30) -> Path:
    """An old benchmarks.db: mixed time formats, 0/1 flags, JSON metadata text, one
    failed run, one still marked running, and one evaluation whose run is gone."""
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA)
    conn.execute(
        "INSERT INTO batch_runs VALUES (?,?,?,?,?,?,?,?)",
        ("old-batch", 1_700_000_000_000, 1_700_000_600_000, 99, 99, 9.9, 9.9, '{"by":"old"}'),
    )
    for i in range(runs):
        run_id = f"old-{i:04d}"
        # Even rows: SQLite's CURRENT_TIMESTAMP form; odd rows: ISO 8601 from JavaScript.
        started = f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00"
        if i % 2:
            started = f"2024-01-{1 + i % 28:02d}T10:{i % 60:02d}:00.250Z"
        status = "failed" if i == 3 else "running" if i == 4 else "completed"
        meta = '{"error":"agent crashed","errorType":"agent"}' if i == 3 else f'{{"n":{i}}}'
        conn.execute(
            "INSERT INTO benchmark_runs (run_id, batchId, suite, scenario, tier, agent, model,"
            " status, started_at, completed_at, total_score, weighted_score, is_successful,"
            " success_metric, metadata) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                "old-batch" if i < 20 else None,
                "update-deps",
                f"scenario-{i % 3}",
                "L1",
                "anthropic" if i % 2 else "echo",
                "claude-sonnet-4-5" if i % 2 else None,
                status,
                started,
                None if status != "completed" else started.replace("10:", "11:", 1),
                None if status != "completed" else i / 100,
                None if status != "completed" else i / 10,
                1 if status == "completed" and i % 5 else 0,
                None if status != "completed" else i / 100,
                meta,
            ),
        )
        if status == "completed":
            for name in ("heuristic_checks", "llm_judge"):
                conn.execute(
                    "INSERT INTO evaluation_results (run_id, evaluator_name, score, max_score,"
                    " details, created_at) VALUES (?,?,?,?,?,?)",
                    (run_id, name, i / 100, 1.0, f"{name} on {run_id}", "2024-02-01 08:00:00"),
                )
            conn.execute(
                "INSERT INTO run_telemetry (run_id, tool_calls, tokens_in, tokens_out, cost_usd,"
                " duration_ms, workspace_dir) VALUES (?,?,?,?,?,?,?)",
                (run_id, i, 1000 + i, 200 + i, i * 0.01, 60_000 + i, f"/tmp/ws-{i}"),
            )
    conn.execute(
        "INSERT INTO evaluation_results (run_id, evaluator_name, score, max_score)"
        " VALUES ('deleted-run', 'llm_judge', 0.5, 1.0)"
    )
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def d1_sample() -> Path:
    return D1_SAMPLE


@pytest.fixture
def old_benchmarks_db(tmp_path: Path) -> Path:
    return write_old_benchmarks_db(tmp_path / "benchmarks.db")


@pytest.fixture
def empty_twin(db: Database, tmp_path: Path) -> Iterator[Database]:
    """A second, empty, migrated database on the same engine as ``db``."""
    with empty_twin_of(db, tmp_path) as twin:
        yield twin
