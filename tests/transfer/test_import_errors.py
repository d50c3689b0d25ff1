"""Files that are not importable give one line naming the file and the problem;
records that are not storable are counted and described, and the rest goes in."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from zebench.errors import UserError
from zebench.service.transfer import import_file
from zebench.store.database import Database


def error_of(db: Database, path: Path) -> str:
    with pytest.raises(UserError) as caught:
        import_file(db, path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def test_missing_empty_and_compressed_files(sqlite_db: Database, tmp_path: Path) -> None:
    assert "no such file" in error_of(sqlite_db, tmp_path / "absent.sql")
    (tmp_path / "empty.sql").write_text("\n  \n")
    assert "empty" in error_of(sqlite_db, tmp_path / "empty.sql")
    (tmp_path / "dump.sql.gz").write_bytes(gzip.compress(b"CREATE TABLE x(a);"))
    assert "gzip" in error_of(sqlite_db, tmp_path / "dump.sql.gz")


def test_text_that_is_not_sql(sqlite_db: Database, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("these are my notes\n")
    assert "not a SQL dump" in error_of(sqlite_db, tmp_path / "notes.txt")
    (tmp_path / "bad.sql").write_text("CREATE TABLE x(a);\nINSERT INTO x VALUES(1;\n")
    message = error_of(sqlite_db, tmp_path / "bad.sql")
    assert "syntax error" in message and "lines 1-2" in message


def test_truncated_dump(sqlite_db: Database, d1_sample: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.sql"
    truncated.write_text(d1_sample.read_text()[:3000])
    assert "truncated" in error_of(sqlite_db, truncated)


def test_dump_of_some_other_database(sqlite_db: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.sql"
    other.write_text("CREATE TABLE users(id INTEGER);\nINSERT INTO users VALUES(1);\n")
    message = error_of(sqlite_db, other)
    assert "no benchmark_runs table" in message and "users" in message


def test_dump_cannot_reach_outside_its_working_copy(sqlite_db: Database, tmp_path: Path) -> None:
    evil = tmp_path / "evil.sql"
    evil.write_text(f"ATTACH DATABASE '{tmp_path / 'planted.db'}' AS p;\n")
    assert "not authorized" in error_of(sqlite_db, evil)
    assert not (tmp_path / "planted.db").exists()


def test_sqlite_file_that_is_broken_or_foreign(sqlite_db: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 20)
    assert "cannot" in error_of(sqlite_db, broken)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE benchmark_runs (id INTEGER PRIMARY KEY, name TEXT)")
    message = error_of(sqlite_db, foreign)
    assert "benchmark_runs has no run_id column" in message


def test_bad_records_are_reported_and_the_rest_imported(
    sqlite_db: Database, tmp_path: Path
) -> None:
    good = {
        "runId": "ok-1",
        "suite": "s",
        "scenario": "c",
        "tier": "L0",
        "agent": "echo",
        "status": "completed",
        "startedAt": "2025-01-01T00:00:00Z",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "runId": "bad-status", "status": "weird"}),
        json.dumps({**good, "runId": "bad-tele", "telemetry": {"toolCalls": -1}}),
        "[1, 2]",
        json.dumps({**good, "runId": "ok-2"}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")

    report = import_file(sqlite_db, path)

    assert (report.runs_created, report.runs_invalid) == (2, 4)
    assert not report.ok
    assert report.problems[0].startswith("mixed.jsonl line 2: not JSON")
    assert report.problems[1].startswith("mixed.jsonl line 3 run 'bad-status': status:")
    assert "telemetry.toolCalls" in report.problems[2]
    assert report.problems[3] == "mixed.jsonl line 5: expected a JSON object"


def test_unreadable_legacy_rows_are_reported(sqlite_db: Database, old_benchmarks_db: Path) -> None:
    with sqlite3.connect(old_benchmarks_db) as conn:
        conn.execute(
            "UPDATE benchmark_runs SET started_at = 'last tuesday' WHERE run_id = 'old-0005'"
        )
        conn.execute(
            "UPDATE benchmark_runs SET started_at = NULL, completed_at = NULL"
            " WHERE run_id = 'old-0006'"
        )
        conn.execute("UPDATE benchmark_runs SET tier = ? WHERE run_id = 'old-0007'", ("L" * 60,))

    report = import_file(sqlite_db, old_benchmarks_db)

    assert (report.runs_created, report.runs_invalid) == (27, 3)
    assert report.problems == [
        "benchmarks.db: benchmark_runs row 6 run 'old-0005': not a time: 'last tuesday'",
        "benchmarks.db: benchmark_runs row 7 run 'old-0006': startedAt: no start or completion "
        "time",
        "benchmarks.db: benchmark_runs row 8 run 'old-0007': tier: String should have at most "
        "50 characters",
    ]
