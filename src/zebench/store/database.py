"""Engine set-up per dialect, and the one way to write.

SQLite (the embedded default) is used the way datasette uses it: WAL, a busy
timeout, pooled read connections, and a single writer thread fed by a queue.
The writer groups whatever jobs are waiting into one transaction (group
commit), each job inside its own SAVEPOINT so that one failing job rolls back
alone. With ``synchronous=FULL`` a job is acknowledged only after its commit
reached the disk, so an acknowledged result survives a crash.

WAL checkpoints run on a thread of their own rather than inside whichever commit
crosses SQLite's threshold, and writers of several processes on one file take
turns on lock files beside it (``<db>.writer-lock``, ``<db>.writer-turn``).

PostgreSQL needs none of that: writes run on pooled connections, each in its
own transaction, and several server processes can share the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741

WriteJob = Callable[[Connection], T]


@dataclass(frozen=True)
class GroupableWrite(Generic[I, T]):
    """A kind of write that the SQLite writer can store several of at once.

    ``one(conn, item)`` stores one item; ``many(conn, items)`` stores several in
    one go (a statement per table rather than per item) and answers, per item in
    order, its value or the exception that item alone would have raised without
    writing anything. If ``many`` itself raises, everything it did is rolled back
    and each item is stored by ``one`` in its own savepoint, so a bad item never
    sinks the others.
    """

    one: Callable[[Connection, I], T]
    many: Callable[[Connection, Sequence[I]], list[T | Exception]]


_GROUP_LIMIT = 256
_CHECKPOINT_EVERY_S = 0.2
_WRITER_TURN_WAIT_S = 10.0
_WAL_RESTART_FRAMES = 8192  # 32 MiB of 4 KiB pages
_WAL_SIZE_LIMIT = 64 * 1024 * 1024
_WRITER_CACHE_KIB = 64 * 1024


def normalise_url(url: str) -> str:
    """Accept the URLs users type (``postgresql://``, ``postgres://``) and pick our drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _install_sqlite_pragmas(engine: Engine, *, writer: bool) -> None:
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
            # Checkpoints run on a thread of their own (Database._checkpoint_loop): left
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


class _WriterTurns:
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
    def beside(cls, path: Path) -> _WriterTurns | None:
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


@dataclass
class _Job:
    fn: WriteJob[Any]
    future: Future[Any] = field(default_factory=Future)
    kind: GroupableWrite[Any, Any] | None = None
    item: Any = None


class Database:
    """A results database: pooled reads and serialised, transactional writes."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        self._closed = False
        self._queue: queue.Queue[_Job | None] | None = None
        self._writer_thread: threading.Thread | None = None
        self._checkpointer: threading.Thread | None = None
        self._stop_checkpoints = threading.Event()
        if self.is_sqlite:
            path = _sqlite_path(self.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            connect_args = {"check_same_thread": False, "timeout": 10}
            self.engine = sa.create_engine(
                self.url, connect_args=connect_args, pool_size=8, max_overflow=8
            )
            _install_sqlite_pragmas(self.engine, writer=False)
            self.write_engine = sa.create_engine(
                self.url, connect_args=connect_args, poolclass=sa.pool.StaticPool
            )
            _install_sqlite_pragmas(self.write_engine, writer=True)
            # Rows inserted by one execution go as multi-row INSERTs (SQLAlchemy's
            # "insertmanyvalues", pages of up to 1000 rows) rather than pysqlite's
            # executemany, which steps once per row and lets go of the GIL at every
            # step: the writer thread then queues behind the event loop once per row.
            self.write_engine.dialect.use_insertmanyvalues_wo_returning = True
        else:
            self.engine = sa.create_engine(
                self.url, pool_size=10, max_overflow=20, pool_pre_ping=True
            )
            self.write_engine = self.engine

    # --- reads -------------------------------------------------------------

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; on SQLite it cannot write."""
        with self.engine.connect() as conn:
            yield conn

    # --- writes ------------------------------------------------------------

    def write(self, fn: WriteJob[T]) -> T:
        """Run ``fn(conn)`` in a transaction and return its result once committed.

        If ``fn`` raises, nothing it did is kept and the exception propagates.
        """
        if not self.is_sqlite:
            with self.write_engine.begin() as conn:
                return fn(conn)
        return self._submit(fn).result()

    async def awrite(self, fn: WriteJob[T]) -> T:
        """``write`` for async callers; never blocks the event loop."""
        if not self.is_sqlite:
            return await asyncio.to_thread(self.write, fn)
        return await asyncio.wrap_future(self._submit(fn))

    async def awrite_item(self, kind: GroupableWrite[I, T], item: I) -> T:
        """``awrite`` of ``kind.one(conn, item)``; on SQLite the writer may store it
        together with other waiting items of the same kind (``kind.many``)."""
        if not self.is_sqlite:
            return await asyncio.to_thread(self.write, lambda conn: kind.one(conn, item))
        return await asyncio.wrap_future(
            self._submit(lambda conn: kind.one(conn, item), kind, item)
        )

    def _submit(
        self, fn: WriteJob[T], kind: GroupableWrite[Any, T] | None = None, item: Any = None
    ) -> Future[T]:
        if self._closed:
            raise RuntimeError("database is closed")
        if self._writer_thread is None:
            self._start_writer()
        assert self._queue is not None
        job = _Job(fn, kind=kind, item=item)
        self._queue.put(job)
        return job.future

    def _start_writer(self) -> None:
        with _writer_start_lock:
            if self._writer_thread is not None:
                return
            self._queue = queue.Queue()
            thread = threading.Thread(target=self._writer_loop, name="zebench-writer", daemon=True)
            thread.start()
            self._writer_thread = thread
            path = _sqlite_path(self.url)
            if path is not None:
                self._checkpointer = threading.Thread(
                    target=self._checkpoint_loop,
                    args=(path,),
                    name="zebench-checkpoint",
                    daemon=True,
                )
                self._checkpointer.start()

    def _checkpoint_loop(self, path: Path) -> None:
        """Copy the WAL into the database file every few hundred ms, beside the writer.

        PASSIVE never blocks the writer or readers, but while writes keep coming it
        never quite catches up, and the WAL only starts over from its beginning after a
        checkpoint that did. So once the WAL holds more than ``_WAL_RESTART_FRAMES``,
        a RESTART checkpoint holds the next write back for the little PASSIVE left.
        """
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop_checkpoints.wait(_CHECKPOINT_EVERY_S):
                with contextlib.suppress(sqlite3.Error):  # busy: the next round retries
                    checkpoint(conn)
        finally:
            conn.close()

    def _writer_loop(self) -> None:
        assert self._queue is not None
        path = _sqlite_path(self.url)
        turns = _WriterTurns.beside(path) if path is not None else None
        try:
            with self.write_engine.connect() as conn:
                while True:
                    first = self._queue.get()
                    if first is None:
                        return
                    if turns is not None:
                        turns.take()
                    try:
                        self._run_group(conn, self._group(first))
                    finally:
                        if turns is not None:
                            turns.give_back()
        finally:
            if turns is not None:
                turns.close()

    def _group(self, first: _Job) -> list[_Job]:
        """``first`` and whatever else is waiting, up to ``_GROUP_LIMIT`` jobs."""
        assert self._queue is not None
        jobs = [first]
        while len(jobs) < _GROUP_LIMIT:
            try:
                nxt = self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                self._queue.put(None)
                break
            jobs.append(nxt)
        return jobs

    @staticmethod
    def _run_group(conn: Connection, jobs: list[_Job]) -> None:
        outcomes: list[tuple[_Job, bool, Any]] = []
        try:
            with conn.begin():
                if len(jobs) == 1:
                    # Alone in its transaction, a job needs no savepoint: its failure
                    # rolls the transaction back on the way out.
                    outcomes.append((jobs[0], True, jobs[0].fn(conn)))
                else:
                    # Savepoints go straight to the driver: SQLAlchemy's begin_nested
                    # costs ~50 us of Python per job, a fifth of a whole result's write.
                    raw = conn.connection.driver_connection
                    assert raw is not None
                    for run in _runs_of_a_kind(jobs):
                        if len(run) > 1 and _run_together(conn, raw, run, outcomes):
                            continue
                        for job in run:
                            _run_alone(conn, raw, job, outcomes)
        except BaseException as exc:  # the commit itself failed: nothing was kept
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        for job, ok, value in outcomes:
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)

    # --- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Finish queued writes, then release every connection. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._queue is not None and self._writer_thread is not None:
            self._queue.put(None)
            self._writer_thread.join()
        if self._checkpointer is not None:
            self._stop_checkpoints.set()
            self._checkpointer.join()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def _runs_of_a_kind(jobs: list[_Job]) -> Iterator[list[_Job]]:
    """Consecutive jobs of one groupable kind together, every other job alone (in order)."""
    run: list[_Job] = []
    for job in jobs:
        if run and (job.kind is None or job.kind is not run[0].kind):
            yield run
            run = []
        run.append(job)
        if job.kind is None:
            yield run
            run = []
    if run:
        yield run


def _run_alone(
    conn: Connection, raw: Any, job: _Job, outcomes: list[tuple[_Job, bool, Any]]
) -> None:
    raw.execute("SAVEPOINT zebench_job")
    try:
        value = job.fn(conn)
    except BaseException as exc:  # the job's own failure, undone alone
        raw.execute("ROLLBACK TO zebench_job")
        raw.execute("RELEASE zebench_job")
        outcomes.append((job, False, exc))
    else:
        raw.execute("RELEASE zebench_job")
        outcomes.append((job, True, value))


def _run_together(
    conn: Connection, raw: Any, run: list[_Job], outcomes: list[tuple[_Job, bool, Any]]
) -> bool:
    """Store ``run`` with its kind's ``many``; False (nothing kept) if that failed."""
    kind = run[0].kind
    assert kind is not None
    raw.execute("SAVEPOINT zebench_group")
    try:
        values = kind.many(conn, [job.item for job in run])
        if len(values) != len(run):
            raise RuntimeError(f"{len(values)} answers for {len(run)} items")
    except Exception:
        raw.execute("ROLLBACK TO zebench_group")
        raw.execute("RELEASE zebench_group")
        return False
    raw.execute("RELEASE zebench_group")
    for job, value in zip(run, values, strict=True):
        outcomes.append((job, not isinstance(value, Exception), value))
    return True


_writer_start_lock = threading.Lock()
