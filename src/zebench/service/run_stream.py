"""Long run lists, read a chunk at a time: ``GET /api/runs?limit=10000`` and beyond.

The original dashboard asks for 10,000 runs at once. Rather than hold them all
(or one read transaction) for the whole answer, the list is cut into keyset
chunks, each read in its own short transaction. Where the answer ends is fixed
before the first chunk: the ``limit``-th run's (started_at, id), so the
``X-Next-Cursor`` header can be sent first and the stream stops exactly there,
even while runs are added (a run added before that point mid-stream is included
rather than pushing the last one out of both pages).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.runs import RunRow
from zebench.service.filters import RunFilter
from zebench.service.run_order import after, decode_cursor, encode_cursor
from zebench.service.runs import RUN_COLUMNS
from zebench.store.database import Database
from zebench.store.tables import runs

CHUNK = 2000
"""Runs read per transaction."""

_NEWEST_FIRST = (runs.c.started_at.desc(), runs.c.id.desc())


def _not_past(started: int, row_id: int) -> sa.ColumnElement[bool]:
    return (runs.c.started_at > started) | ((runs.c.started_at == started) & (runs.c.id >= row_id))


@dataclass(frozen=True)
class RunStream:
    """A planned long list: where it starts and ends, and the next page's cursor."""

    filters: RunFilter
    start: tuple[int, int] | None
    """Runs strictly after this key (newest first); None: from the newest."""
    end: tuple[int, int] | None
    """The last run's key; None when the list is empty."""
    next_cursor: str | None


def _key_at(
    conn: Connection, filters: RunFilter, start: tuple[int, int] | None, position: int, n: int
) -> list[tuple[int, int]]:
    """The keys of up to ``n`` runs from ``position`` (0-based) after ``start``, newest
    first, read from an index alone."""
    query = sa.select(runs.c.started_at, runs.c.id).where(*filters.clauses())
    if start is not None:
        query = query.where(after(*start))
    rows = conn.execute(query.order_by(*_NEWEST_FIRST).offset(position).limit(n)).all()
    return [(r[0], r[1]) for r in rows]


def plan(
    conn: Connection, filters: RunFilter, *, limit: int, cursor: str | None, offset: int
) -> RunStream:
    """Find where a list of ``limit`` runs (``limit`` >= 1) starts and ends."""
    start = decode_cursor(cursor) if cursor is not None else None
    if start is None and offset > 0:
        skipped = _key_at(conn, filters, None, offset - 1, 1)
        if not skipped:
            return RunStream(filters, None, None, None)
        start = skipped[0]
    ends = _key_at(conn, filters, start, limit - 1, 2)
    if ends:
        more = encode_cursor(*ends[0]) if len(ends) > 1 else None
        return RunStream(filters, start, ends[0], more)
    # Fewer than ``limit`` runs: the list ends at the oldest one there is.
    query = sa.select(runs.c.started_at, runs.c.id).where(*filters.clauses())
    if start is not None:
        query = query.where(after(*start))
    oldest = conn.execute(query.order_by(runs.c.started_at.asc(), runs.c.id.asc()).limit(1)).first()
    end = (oldest[0], oldest[1]) if oldest is not None else None
    return RunStream(filters, start, end, None)


def chunks(db: Database, stream: RunStream) -> Iterator[list[RunRow]]:
    """The planned runs, newest first, ``CHUNK`` at a time (each chunk its own read)."""
    if stream.end is None:
        return
    position = stream.start
    while True:
        query = sa.select(*RUN_COLUMNS).where(*stream.filters.clauses(), _not_past(*stream.end))
        if position is not None:
            query = query.where(after(*position))
        with db.read() as conn:
            rows = conn.execute(query.order_by(*_NEWEST_FIRST).limit(CHUNK)).all()
        if not rows:
            return
        yield list(map(RunRow._make, rows))
        position = (rows[-1].started_at, rows[-1].id)
        if position == stream.end or len(rows) < CHUNK:
            return
