"""The SQLite writer: grouped jobs fail alone, several writers on one file take turns,
and the WAL starts over once checkpoints catch up."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
import sqlalchemy as sa

from zebench.store.database import Database
from zebench.store.sqlite_file import checkpoint


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "w.db"


def make_table(db: Database) -> None:
    db.write(lambda conn: conn.exec_driver_sql("CREATE TABLE t (a INTEGER UNIQUE, b TEXT)"))


def insert(value: int) -> object:
    return lambda conn: conn.execute(
        sa.text("INSERT INTO t (a, b) VALUES (:a, :b)"), {"a": value, "b": "x" * 500}
    )


def rows(db: Database) -> list[int]:
    with db.read() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT a FROM t ORDER BY a"))]


def test_one_failing_job_in_a_group_is_undone_alone(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    make_table(db)
    gate = threading.Event()
    held: Future[object] = db._submit(lambda conn: gate.wait())  # the next jobs queue up

    def fails(conn: sa.Connection) -> None:
        insert(99)(conn)  # type: ignore[operator]
        raise ValueError("boom")

    futures = [db._submit(insert(1)), db._submit(fails), db._submit(insert(2))]  # type: ignore[arg-type]
    duplicate = db._submit(insert(1))  # type: ignore[arg-type]
    gate.set()
    held.result()
    futures[0].result()
    futures[2].result()
    with pytest.raises(ValueError):
        futures[1].result()
    with pytest.raises(sa.exc.IntegrityError):
        duplicate.result()
    assert rows(db) == [1, 2]
    db.close()


def test_writers_of_one_file_take_turns(path: Path) -> None:
    first, second = Database(f"sqlite:///{path}"), Database(f"sqlite:///{path}")
    make_table(first)

    def write_many(db: Database, start: int) -> None:
        for value in range(start, start + 150):
            db.write(insert(value))  # type: ignore[arg-type]

    threads = [
        threading.Thread(target=write_many, args=(first, 0)),
        threading.Thread(target=write_many, args=(second, 1000)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rows(first) == [*range(150), *range(1000, 1150)]
    assert Path(f"{path}.writer-lock").exists()
    first.close()
    second.close()


def test_checkpoints_are_left_to_the_checkpoint_thread(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    make_table(db)
    auto = db.write(lambda conn: conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())
    assert auto == 0  # no commit pays for a checkpoint
    for value in range(200):
        db.write(insert(value))  # type: ignore[arg-type]
    monitor = sqlite3.connect(path, isolation_level=None)

    held = checkpoint(monitor, restart_frames=10)
    db.write(insert(1000))  # type: ignore[arg-type]
    after = checkpoint(monitor, restart_frames=10)

    assert held >= 200
    assert after < 10  # caught up, so the next write began the WAL again
    assert rows(db)[-1] == 1000
    monitor.close()
    db.close()
