"""Batches: the one list (API and pages alike), one batch, the tags in use.

A batch's totals are the ones the server computed from the stored runs
(``zebench.service.aggregates.totals``); times are epoch milliseconds. The API
(``zebench.api.serializers.batches``) and the pages present the same ``BatchRow``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from zebench.bounds import OFFSET_MAX
from zebench.jsontext import json_object, parse_json_text
from zebench.model.errors import Invalid, NotFound
from zebench.service.batch_tags import batches_tagged
from zebench.store.tables import batch_tags, batches

BatchStatus = Literal["running", "completed"]
BATCH_STATUSES: tuple[BatchStatus, ...] = ("running", "completed")

BATCH_SORTABLE: dict[str, ColumnElement[Any]] = {
    "createdAt": batches.c.created_at,
    "completedAt": batches.c.completed_at,
    "batchId": batches.c.batch_id,
    "totalRuns": batches.c.total_runs,
    "successfulRuns": batches.c.successful_runs,
    "avgWeightedScore": batches.c.avg_weighted_score,
    "successRate": sa.cast(batches.c.successful_runs, sa.Float)
    / sa.func.nullif(batches.c.total_runs, 0),
}
_NOT_NULL = {"createdAt", "batchId", "totalRuns", "successfulRuns"}


@dataclass(frozen=True)
class BatchRow:
    batch_id: str
    created_at: int
    completed_at: int | None
    total_runs: int
    successful_runs: int
    avg_score: float | None
    avg_weighted_score: float | None
    metadata: Any
    """The stored JSON document, parsed (the text itself if it is not JSON), or None."""

    @classmethod
    def from_row(cls, row: Row[Any]) -> BatchRow:
        """A row selected with ``_COLUMNS``."""
        values = dict(row._mapping)
        values["metadata"] = parse_json_text(values["metadata"])
        return cls(**values)

    @property
    def status(self) -> BatchStatus:
        return "completed" if self.completed_at is not None else "running"

    @property
    def success_rate(self) -> float | None:
        return self.successful_runs / self.total_runs if self.total_runs else None

    @property
    def duration_ms(self) -> int | None:
        return None if self.completed_at is None else self.completed_at - self.created_at

    @property
    def details(self) -> dict[str, Any]:
        """The metadata when it is an object, else {}."""
        return json_object(self.metadata)

    @property
    def tags(self) -> list[str]:
        """The tags the batch recorded (``zebench batch --tag``)."""
        tags = self.details.get("tags")
        return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []

    @property
    def commit(self) -> str | None:
        """The git commit the batch recorded, as shown: 12 digits, branch, dirty."""
        git = self.details.get("git")
        git = git if isinstance(git, dict) else {}
        commit = git.get("commit")
        if not isinstance(commit, str) or not commit:
            return None
        shown = commit[:12] + (f" ({git['branch']})" if git.get("branch") else "")
        return shown + (" dirty" if git.get("dirty") else "")


_COLUMNS = [batches.c[f.name] for f in fields(BatchRow)]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def table_row(b: BatchRow) -> dict[str, Any]:
    """A batch under the names the pages' tables and exports use."""
    row = {_camel(f.name): getattr(b, f.name) for f in fields(b)}
    row.update(
        metadata=b.details,
        status=b.status,
        successRate=b.success_rate,
        durationMs=b.duration_ms,
        tags=", ".join(b.tags),
        commit=b.commit,
    )
    return row


@dataclass(frozen=True)
class BatchFilter:
    """Which batches a list holds: ``status`` running or completed (by completion
    time), ``search`` part of the batch id or the start of its git commit, ``tag``."""

    status: str | None = None
    search: str | None = None
    tag: str | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        """``Invalid`` for an unknown status."""
        where: list[ColumnElement[bool]] = []
        if self.status == "running":
            where.append(batches.c.completed_at.is_(None))
        elif self.status == "completed":
            where.append(batches.c.completed_at.is_not(None))
        elif self.status:
            raise Invalid(
                f"status must be one of {', '.join(BATCH_STATUSES)}",
                {"field": "status", "value": self.status},
            )
        if self.search:
            s = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(
                batches.c.batch_id.ilike(f"%{s}%", escape="\\")
                # metadata is written by json.dumps, so the commit appears exactly so
                | batches.c.metadata.like(f'%"commit": "{s}%', escape="\\")
            )
        if self.tag:
            where.append(batches.c.batch_id.in_(batches_tagged(self.tag)))
        return where


@dataclass(frozen=True)
class BatchList:
    rows: list[BatchRow]
    next_offset: int | None
    """Where the following page starts; None on the last page."""


def _order(sort: str, descending: bool) -> list[ColumnElement[Any]]:
    if sort not in BATCH_SORTABLE:
        raise Invalid(
            f"sort must be one of {', '.join(BATCH_SORTABLE)}", {"field": "sort", "value": sort}
        )
    column = BATCH_SORTABLE[sort]
    first = column.desc() if descending else column.asc()
    if sort not in _NOT_NULL:
        first = first.nulls_last()
    ties = [batches.c.created_at.desc(), batches.c.batch_id.desc()]
    if sort == "createdAt":
        ties = [batches.c.batch_id.desc() if descending else batches.c.batch_id.asc()]
    return [first, *ties]


def list_batches(
    conn: Connection,
    flt: BatchFilter | None = None,
    *,
    sort: str = "createdAt",
    descending: bool = True,
    offset: int = 0,
    limit: int = 20,
) -> BatchList:
    """Batches newest first by default (ties: the later batch id first); any column of
    ``BATCH_SORTABLE`` either way, no value last."""
    flt = flt or BatchFilter()
    query = sa.select(*_COLUMNS).where(*flt.clauses()).order_by(*_order(sort, descending))
    rows = conn.execute(query.offset(offset).limit(limit + 1)).all()
    more = len(rows) > limit
    return BatchList([BatchRow.from_row(r) for r in rows[:limit]], offset + limit if more else None)


def count_batches(conn: Connection, flt: BatchFilter | None = None) -> int:
    where = (flt or BatchFilter()).clauses()
    query = sa.select(sa.func.count()).select_from(batches).where(*where)
    return int(conn.execute(query).scalar() or 0)


def decode_offset_cursor(cursor: str) -> int:
    """The offset a list's cursor (its ``next_offset``) names."""
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 16) or (
        int(cursor) > OFFSET_MAX
    ):
        raise Invalid("cursor is not one this server issued", {"field": "cursor", "value": cursor})
    return int(cursor)


def find_batches(conn: Connection, batch_ids: Sequence[str]) -> dict[str, BatchRow]:
    """The named batches that exist, by id."""
    if not batch_ids:
        return {}
    query = sa.select(*_COLUMNS).where(batches.c.batch_id.in_(list(batch_ids)))
    return {r.batch_id: BatchRow.from_row(r) for r in conn.execute(query)}


def get_batch(conn: Connection, batch_id: str) -> BatchRow:
    """The batch; ``NotFound`` if there is none of that id."""
    row = conn.execute(sa.select(*_COLUMNS).where(batches.c.batch_id == batch_id)).first()
    if row is None:
        raise NotFound("Batch not found", {"batchId": batch_id})
    return BatchRow.from_row(row)


def known_tags(conn: Connection, limit: int = 200) -> list[str]:
    """Tags in use, alphabetically (for the batches page's filter)."""
    query = sa.select(batch_tags.c.tag).distinct().order_by(batch_tags.c.tag).limit(limit)
    return list(conn.execute(query).scalars())
