"""Engine set-up per dialect, and the one way to write.

SQLite (the embedded default) is used the way datasette uses it: WAL, a busy
timeout, pooled read connections, and a single writer thread fed by a queue.
The writer groups whatever jobs are waiting into one transaction (group
commit, ``group_commit``), each job inside its own SAVEPOINT so that one failing
job rolls back alone. With ``synchronous=FULL`` a job is acknowledged only after its commit
reached the disk, so an acknowledged result survives a crash.

WAL checkpoints run on a thread of their own rather than inside whichever commit
crosses SQLite's threshold, and writers of several processes on one file take
turns on lock files beside it (``<db>.writer-lock``, ``<db>.writer-turn``); both
are in ``sqlite_file``.

PostgreSQL needs none of that: writes run on pooled connections, each in its
own transaction, and several server processes can share the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from zebench.store.group_commit import WriterJob, run_group
from zebench.store.sqlite_file import (
    WriterTurns,
    checkpoint_loop,
    install_sqlite_pragmas,
    sqlite_path,
)

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


def normalise_url(url: str) -> str:
    """Accept the URLs users type (``postgresql://``, ``postgres://``) and pick our drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Database:
    """A results database: pooled reads and serialised, transactional writes."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        self._closed = False
        self._queue: queue.Queue[WriterJob | None] | None = None
        self._writer_thread: threading.Thread | None = None
        self._checkpointer: threading.Thread | None = None
        self._stop_checkpoints = threading.Event()
        if self.is_sqlite:
            path = sqlite_path(self.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            connect_args = {"check_same_thread": False, "timeout": 10}
            self.engine = sa.create_engine(
                self.url, connect_args=connect_args, pool_size=8, max_overflow=8
            )
            install_sqlite_pragmas(self.engine, writer=False)
            self.write_engine = sa.create_engine(
                self.url, connect_args=connect_args, poolclass=sa.pool.StaticPool
            )
            install_sqlite_pragmas(self.write_engine, writer=True)
            # Rows inserted by one Core execution go as multi-row INSERTs (SQLAlchemy's
            # "insertmanyvalues") rather than pysqlite's executemany, which steps once
            # per row and lets go of the GIL at every step. The write path's own
            # statements are compiled once and run by the driver instead
            # (zebench.store.compiled): measured, that costs less CPU per result and
            # no throughput (docs/benchmarks.md, "One write path").
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
        job = WriterJob(fn, kind=kind, item=item)
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
            path = sqlite_path(self.url)
            if path is not None:
                self._checkpointer = threading.Thread(
                    target=checkpoint_loop,
                    args=(path, self._stop_checkpoints),
                    name="zebench-checkpoint",
                    daemon=True,
                )
                self._checkpointer.start()

    def _writer_loop(self) -> None:
        assert self._queue is not None
        path = sqlite_path(self.url)
        turns = WriterTurns.beside(path) if path is not None else None
        try:
            with self.write_engine.connect() as conn:
                while True:
                    first = self._queue.get()
                    if first is None:
                        return
                    if turns is not None:
                        turns.take()
                    try:
                        run_group(conn, self._group(first))
                    finally:
                        if turns is not None:
                            turns.give_back()
        finally:
            if turns is not None:
                turns.close()

    def _group(self, first: WriterJob) -> list[WriterJob]:
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


_writer_start_lock = threading.Lock()
