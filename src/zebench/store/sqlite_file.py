"""What a SQLite database file needs beyond SQLAlchemy's defaults: pragmas on every
connection, WAL checkpoints on a thread of their own, and turns between the writers
of several processes on one file (``<db>.writer-lock``, ``<db>.writer-turn``)."""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import threading
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

CHECKPOINT_EVERY_S = 0.2
_WRITER_TURN_WAIT_S = 10.0
_WAL_RESTART_FRAMES = 8192  # 32 MiB of 4 KiB pages
_WAL_SIZE_LIMIT = 64 * 1024 * 1024
_WRITER_CACHE_KIB = 64 * 1024


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def install_sqlite_pragmas(engine: Engine, *, writer: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would
        # otherwise begin lazily and defeat BEGIN IMMEDIATE).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL" if writer else "PRAGMA query_only=ON")
        if writer:
            # Checkpoints run on a thread of their own (checkpoint_loop): left
            # to SQLite, every ~1000 pages one commit does it, and its requests wait.
            cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.execute(f"PRAGMA journal_size_limit={_WAL_SIZE_LIMIT}")
            # The indexes a result touches stay in memory rather than re-read per commit.
            cur.execute(f"PRAGMA cache_size=-{_WRITER_CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock up front so a writer never fails half-way on SQLITE_BUSY.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def checkpoint(conn: sqlite3.Connection, restart_frames: int = _WAL_RESTART_FRAMES) -> int:
    """One round of the checkpoint thread; returns how many frames the WAL held."""
    _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    if frames >= restart_frames:
        conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
    return int(frames)


def checkpoint_loop(path: Path, stop: threading.Event) -> None:
    """Copy the WAL into the database file every few hundred ms, beside the writer,
    until ``stop`` is set.

    PASSIVE never blocks the writer or readers, but while writes keep coming it
    never quite catches up, and the WAL only starts over from its beginning after a
    checkpoint that did. So once the WAL holds more than ``_WAL_RESTART_FRAMES``,
    a RESTART checkpoint holds the next write back for the little PASSIVE left.
    """
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    try:
        while not stop.wait(CHECKPOINT_EVERY_S):
            with contextlib.suppress(sqlite3.Error):  # busy: the next round retries
                checkpoint(conn)
    finally:
        conn.close()


class WriterTurns:
    """Writers of several processes on one file (``serve --workers N``, an import
    beside a server) take turns on lock files next to the database.

    Left to SQLite's busy handler they would sleep 1, 2, 5, 10... ms between tries,
    and a busy process could starve the others for seconds. Here a writer first
    takes the turnstile, then waits for the lock while holding it, so the writer
    that just finished cannot take the lock again before the one already waiting.
    Both are polled every 0.1-1 ms; past ``_WRITER_TURN_WAIT_S`` the writer goes on
    to SQLite's own lock, whose busy timeout then decides.
    """

    def __init__(self, path: Path) -> None:
        self._turnstile = open(f"{path}.writer-turn", "a+b")  # noqa: SIM115
        try:
            self._lock = open(f"{path}.writer-lock", "a+b")  # noqa: SIM115
        except OSError:
            self._turnstile.close()
            raise
        self._held = False

    @classmethod
    def beside(cls, path: Path) -> WriterTurns | None:
        """Turns for the database at ``path``; None where the lock files cannot be made
        (a read-only directory): SQLite's own lock then serves alone."""
        try:
            return cls(path)
        except OSError:
            return None

    def take(self) -> None:
        deadline = time.monotonic() + _WRITER_TURN_WAIT_S
        if not _poll_flock(self._turnstile, deadline):
            return
        try:
            self._held = _poll_flock(self._lock, deadline)
        finally:
            fcntl.flock(self._turnstile, fcntl.LOCK_UN)

    def give_back(self) -> None:
        if self._held:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._held = False

    def close(self) -> None:
        self._turnstile.close()
        self._lock.close()


def _poll_flock(file: IO[bytes], deadline: float) -> bool:
    delay = 0.0001
    while True:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.001)
