"""The SQLite writer's group commit: the jobs waiting at once go in one transaction,
each job (or run of jobs of one groupable kind) inside its own savepoint, so that one
failing job rolls back alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from zebench.store.database import GroupableWrite


@dataclass
class WriterJob:
    fn: Callable[[Connection], Any]
    future: Future[Any] = field(default_factory=Future)
    kind: GroupableWrite[Any, Any] | None = None
    item: Any = None


def run_group(conn: Connection, jobs: list[WriterJob]) -> None:
    """Run ``jobs`` in one transaction and settle each job's future."""
    outcomes: list[tuple[WriterJob, bool, Any]] = []
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


def _runs_of_a_kind(jobs: list[WriterJob]) -> Iterator[list[WriterJob]]:
    """Consecutive jobs of one groupable kind together, every other job alone (in order)."""
    run: list[WriterJob] = []
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
    conn: Connection, raw: Any, job: WriterJob, outcomes: list[tuple[WriterJob, bool, Any]]
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
    conn: Connection, raw: Any, run: list[WriterJob], outcomes: list[tuple[WriterJob, bool, Any]]
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
