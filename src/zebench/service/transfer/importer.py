"""Storing imported records through the service layer, in bulk and idempotently.

Runs go through ``store_results`` (the same write as POST /api/results, for many
runs at once), so a run already stored with the same content counts as a duplicate
and one with different content as a conflict; nothing is ever stored twice. Records
are written in chunks, one transaction per chunk; a chunk the database refuses is
written again with a savepoint per run (``store_result``), so one bad run does not
undo its neighbours. While one chunk is written the next is validated and hashed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from zebench.errors import UserError
from zebench.model.errors import Conflict
from zebench.model.results import BatchIn, ResultIn
from zebench.service.results import (
    content_hash,
    recompute_batch,
    store_result,
    store_results,
    upsert_batch,
)
from zebench.service.transfer.jsonl import count_lines, read_jsonl
from zebench.service.transfer.legacy import SQLITE_MAGIC, open_legacy
from zebench.service.transfer.records import Record, UnreadableRecord
from zebench.store.database import Database
from zebench.store.tables import batches

SourceKind = Literal["sqlite", "sql", "jsonl"]
Progress = Callable[[int], None]

CHUNK = 500
_MAX_PROBLEMS = 20

_Item = BatchIn | tuple[ResultIn, str]
_Outcome = tuple[str, str | None]  # (status, problem)


@dataclass
class ImportReport:
    """What an import did. ``problems`` keeps the first few reasons, one line each."""

    runs_created: int = 0
    runs_duplicate: int = 0
    runs_conflict: int = 0
    runs_invalid: int = 0
    batches_created: int = 0
    batches_updated: int = 0
    batches_unchanged: int = 0
    orphans: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every record was stored or was already there."""
        return not (self.runs_conflict or self.runs_invalid)

    def note(self, problem: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(problem)

    def count(self, status: str) -> None:
        name = {
            "created": "runs_created",
            "duplicate": "runs_duplicate",
            "conflict": "runs_conflict",
            "invalid": "runs_invalid",
            "batch-created": "batches_created",
            "batch-updated": "batches_updated",
            "batch-unchanged": "batches_unchanged",
        }[status]
        setattr(self, name, getattr(self, name) + 1)


def detect_kind(path: Path) -> SourceKind:
    """Which of the importable formats ``path`` holds, from its first bytes."""
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if not path.is_file():
        raise UserError(f"{path}: not a file")
    with path.open("rb") as f:
        head = f.read(4096)
    if not head.strip():
        raise UserError(f"{path}: the file is empty")
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head[:2] == b"\x1f\x8b":
        raise UserError(f"{path}: the file is gzip-compressed; decompress it first")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "sql"


def import_file(
    db: Database,
    path: Path,
    *,
    on_total: Callable[[int], None] | None = None,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import a ``wrangler d1 export`` dump, an old ``benchmarks.db`` or a JSONL export.

    ``on_total`` is told how many records to expect before any is written;
    ``on_progress`` how many were handled after each chunk. A file that is none of
    the formats raises ``UserError``; records that cannot be stored are counted and
    described in the report.
    """
    kind = detect_kind(path)
    if kind == "jsonl":
        if on_total:
            on_total(count_lines(path))
        return store_records(db, read_jsonl(path), on_progress=on_progress)
    with open_legacy(path, is_sqlite_file=kind == "sqlite") as source:
        if on_total:
            on_total(source.total)
        report = ImportReport(orphans=dict(source.orphans))
        return store_records(db, source.records(), report=report, on_progress=on_progress)


def store_records(
    db: Database,
    records: Iterable[Record],
    *,
    report: ImportReport | None = None,
    on_progress: Progress | None = None,
    chunk_size: int = CHUNK,
) -> ImportReport:
    """Store batches and runs in chunks (the bulk path behind imports and load scripts)."""
    report = report or ImportReport()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="zebench-import") as writer:
        pending: Future[list[_Outcome]] | None = None
        for chunk in _chunks(records, chunk_size):
            items: list[_Item] = []
            for record in chunk:
                if isinstance(record, UnreadableRecord):
                    report.count("invalid")
                    report.note(record.describe())
                elif isinstance(record, BatchIn):
                    items.append(record)
                else:
                    items.append((record, content_hash(record)))
            if pending is not None:
                _tally(report, pending.result(), on_progress)
            pending = writer.submit(_write_chunk, db, items)
            if on_progress:
                on_progress(len(chunk) - len(items))
        if pending is not None:
            _tally(report, pending.result(), on_progress)
    return report


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _tally(report: ImportReport, outcomes: list[_Outcome], on_progress: Progress | None) -> None:
    for status, problem in outcomes:
        report.count(status)
        if problem:
            report.note(problem)
    if on_progress:
        on_progress(len(outcomes))


def _write_chunk(db: Database, items: list[_Item]) -> list[_Outcome]:
    """Store a chunk in one transaction; if the database refuses one of its runs, the
    chunk is undone and stored again with a savepoint per run (a savepoint costs as
    much as a third of a run's write, so only chunks that need them pay for them)."""
    try:
        return db.write(lambda conn: _store_chunk(conn, items))
    except DBAPIError:
        return db.write(lambda conn: _store_chunk_carefully(conn, items))


def _store_chunk(conn: Connection, items: list[_Item]) -> list[_Outcome]:
    """Batches in order, and each stretch of runs between them in one go."""
    outcomes: list[_Outcome] = []
    stretch: list[tuple[ResultIn, str]] = []
    for item in items:
        if isinstance(item, BatchIn):
            outcomes += _store_runs(conn, stretch)
            stretch = []
            outcomes.append((_store_batch(conn, item), None))
        else:
            stretch.append(item)
    return outcomes + _store_runs(conn, stretch)


def _store_runs(conn: Connection, pairs: list[tuple[ResultIn, str]]) -> list[_Outcome]:
    outcomes: list[_Outcome] = []
    for answer in store_results(conn, pairs):
        if isinstance(answer, Conflict):
            outcomes.append(("conflict", answer.message))
        elif isinstance(answer, Exception):
            raise answer
        else:
            outcomes.append((answer.status, None))
    return outcomes


def _store_chunk_carefully(conn: Connection, items: list[_Item]) -> list[_Outcome]:
    """The chunk with a savepoint per run; a run the database refuses is reported."""
    outcomes: list[_Outcome] = []
    touched: set[str] = set()
    for item in items:
        if isinstance(item, BatchIn):
            outcomes.append((_store_batch(conn, item), None))
            continue
        result, digest = item
        try:
            with conn.begin_nested():
                outcome = store_result(conn, result, digest, defer_batch_totals=True)
        except Conflict as exc:
            outcomes.append(("conflict", exc.message))
            continue
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            problem = f"run {result.run_id!r}: the database refused it: {reason}"
            outcomes.append(("invalid", problem))
            continue
        outcomes.append((outcome.status, None))
        if outcome.status == "created" and result.batch_id is not None:
            touched.add(result.batch_id)
    for batch_id in sorted(touched):
        recompute_batch(conn, batch_id)
    return outcomes


def _store_batch(conn: Connection, batch: BatchIn) -> str:
    existing = conn.execute(
        sa.select(batches.c.created_at, batches.c.completed_at, batches.c.metadata).where(
            batches.c.batch_id == batch.batch_id
        )
    ).first()
    if existing is not None and _same_batch(batch, *existing):
        return "batch-unchanged"
    upsert_batch(conn, batch)
    return "batch-created" if existing is None else "batch-updated"


def _same_batch(
    batch: BatchIn, created_at: int, completed_at: int | None, metadata: str | None
) -> bool:
    same_metadata = batch.metadata is None or (
        metadata is not None and json.loads(metadata) == batch.metadata
    )
    return (
        (batch.created_at is None or batch.created_at == created_at)
        and (batch.completed_at is None or batch.completed_at == completed_at)
        and same_metadata
    )
