"""Deleting runs and batches, keeping every statistic what a fresh import of the rest gives.

The one write path for removal: ``delete_runs`` reads the pre-aggregate keys the
runs count in, deletes the runs with their evaluations, telemetry and
transcripts, recomputes exactly those pre-aggregate rows from the remaining runs
(``zebench.service.recompute``) and the totals of the batches they belonged to,
all in one transaction. A deletion also sets a new ``deletions`` token in
``meta``: the data version pages and caches watch must change even when no
batch did.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.errors import NotFound
from zebench.model.time import now_ms
from zebench.service import aggregates
from zebench.service.recompute import CHUNK, recompute, touched_keys
from zebench.store.tables import batch_tags, batches, evaluations, runs, telemetry, transcripts
from zebench.store.throughput_tables import meta

DELETIONS_KEY = "deletions"


@dataclass(frozen=True)
class Deleted:
    run_ids: list[str] = field(default_factory=list)
    batch_ids: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "deletedRuns": len(self.run_ids),
            "deletedBatches": len(self.batch_ids),
            "runIds": self.run_ids,
            "batchIds": self.batch_ids,
        }


def delete_runs(conn: Connection, run_ids: Sequence[str]) -> list[str]:
    """Delete these runs (unknown ids are skipped) and retract them from every
    pre-aggregate and batch total; the ids actually deleted."""
    if conn.dialect.name == "postgresql":
        # As in rebuild_all: runs stored meanwhile wait, so none is half counted.
        conn.execute(sa.text("LOCK TABLE runs IN SHARE MODE"))
    ids = _existing(conn, run_ids)
    if not ids:
        return []
    specs = aggregates.recomputes()
    touched = touched_keys(conn, specs, ids)
    batch_ids: set[str] = set()
    for chunk in _chunks(ids):
        batch_ids.update(
            b
            for b in conn.execute(
                sa.select(runs.c.batch_id).where(runs.c.run_id.in_(chunk)).distinct()
            ).scalars()
            if b is not None
        )
        for table in (evaluations, telemetry, transcripts):
            conn.execute(table.delete().where(table.c.run_id.in_(chunk)))
        conn.execute(runs.delete().where(runs.c.run_id.in_(chunk)))
    for spec in specs:
        recompute(conn, spec, touched[spec.table.name])
    now = now_ms()
    aggregates.write_batch_totals(conn, aggregates.batch_totals(conn, batch_ids), now=now)
    _count_deletion(conn)
    return ids


def delete_run(conn: Connection, run_id: str) -> Deleted:
    """``delete_runs`` of one run; ``NotFound`` when there is no such run."""
    if not delete_runs(conn, [run_id]):
        raise NotFound("Run not found", {"runId": run_id})
    return Deleted(run_ids=[run_id])


def delete_batch(conn: Connection, batch_id: str) -> Deleted:
    """The batch, its tags and every one of its runs; ``NotFound`` for an unknown batch."""
    exists = conn.execute(
        sa.select(batches.c.batch_id).where(batches.c.batch_id == batch_id)
    ).first()
    if exists is None:
        raise NotFound("Batch not found", {"batchId": batch_id})
    run_ids = list(
        conn.execute(sa.select(runs.c.run_id).where(runs.c.batch_id == batch_id)).scalars()
    )
    deleted = delete_runs(conn, run_ids)
    conn.execute(batch_tags.delete().where(batch_tags.c.batch_id == batch_id))
    conn.execute(batches.delete().where(batches.c.batch_id == batch_id))
    _count_deletion(conn)
    return Deleted(run_ids=deleted, batch_ids=[batch_id])


def runs_before(conn: Connection, before: int, suite: str | None = None) -> list[str]:
    """Ids of the runs started before ``before`` (epoch ms), of ``suite`` when given."""
    query = sa.select(runs.c.run_id).where(runs.c.started_at < before)
    if suite is not None:
        query = query.where(runs.c.suite == suite)
    return list(conn.execute(query.order_by(runs.c.started_at, runs.c.id)).scalars())


def _existing(conn: Connection, run_ids: Sequence[str]) -> list[str]:
    found: list[str] = []
    for chunk in _chunks(list(dict.fromkeys(run_ids))):
        found += conn.execute(sa.select(runs.c.run_id).where(runs.c.run_id.in_(chunk))).scalars()
    return sorted(found)


def _count_deletion(conn: Connection) -> None:
    """A new token under ``meta.deletions``: the data version changes with it."""
    token = f"{now_ms()}-{uuid.uuid4().hex[:8]}"
    updated = conn.execute(
        meta.update().where(meta.c.key == DELETIONS_KEY).values(value=token)
    ).rowcount
    if not updated:
        conn.execute(meta.insert().values(key=DELETIONS_KEY, value=token))


def deletion_token(conn: Connection) -> str:
    """Changes on every deletion ("0" before the first); part of the data version."""
    value = conn.execute(sa.select(meta.c.value).where(meta.c.key == DELETIONS_KEY)).scalar()
    return str(value) if value else "0"


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
