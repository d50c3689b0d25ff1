"""The outbox of webhook deliveries: written with the batch's completion, claimed by lease.

A completed batch gets one row per target URL, inserted in the transaction that
records the completion (so a completion is never lost, and a completion sent
twice, by a retrying client or to two server processes, is one row: the key is
batch id + completion time + target). The body is fixed when the row is written,
so every attempt sends the same bytes and the same ``X-Zebench-Delivery`` id.

A sender takes a due row with one conditional UPDATE (the lease, as in
``zebench.throughput.lease``): it succeeds for one process only, even when
several poll the same database, and a holder that dies lets the lease expire so
another process retries. After a POST the holder marks the row delivered, or due
again after a backoff, or failed after the last attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.jsontext import parse_json_text
from zebench.model.time import now_ms
from zebench.service.aggregates import batch_totals, mean, succeeded
from zebench.store.aggregate_tables import NO_MODEL_KEY, agg_batch_cells
from zebench.store.tables import batches, webhook_outbox

EVENT = "batch.completed"


@dataclass(frozen=True)
class Notify:
    """Where completions go (``ZEBENCH_WEBHOOK_URL``) and the dashboard to link to."""

    targets: tuple[str, ...]
    dashboard_url: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    id: int
    event_id: str
    target: str
    body: str
    attempts: int


def completion_body(
    conn: Connection, batch_id: str, completed_at: int, dashboard_url: str | None
) -> dict[str, Any]:
    """The JSON document POSTed for a completed batch (documented in docs/ci.md)."""
    totals = batch_totals(conn, [batch_id])[batch_id]
    meta_text = conn.execute(
        sa.select(batches.c.metadata, batches.c.created_at).where(batches.c.batch_id == batch_id)
    ).one()
    meta = parse_json_text(meta_text.metadata)
    meta = meta if isinstance(meta, dict) else {}
    d = agg_batch_cells.c
    succeeded_runs = sa.case((succeeded(agg_batch_cells), d.runs), else_=sa.literal_column("0"))
    cells = conn.execute(
        sa.select(
            d.agent,
            d.model,
            sa.func.sum(d.runs),
            sa.func.sum(succeeded_runs),
            sa.func.sum(d.score_sum),
            sa.func.sum(d.scored),
        )
        .where(d.batch_id == batch_id)
        .group_by(d.agent, d.model)
        .order_by(d.agent, d.model)
    ).all()
    link = None
    if dashboard_url:
        link = f"{dashboard_url.rstrip('/')}/batches/{quote(batch_id, safe='')}"
    return {
        "event": EVENT,
        "batchId": batch_id,
        "createdAt": meta_text.created_at,
        "completedAt": completed_at,
        "totals": {
            "totalRuns": totals["total_runs"],
            "successfulRuns": totals["successful_runs"],
            "avgScore": totals["avg_score"],
            "avgWeightedScore": totals["avg_weighted_score"],
        },
        "scores": [
            {
                "agent": agent,
                "model": None if model == NO_MODEL_KEY else model,
                "runs": int(n or 0),
                "successfulRuns": int(succ or 0),
                "avgWeightedScore": mean(w_sum, w_n),
            }
            for agent, model, n, succ, w_sum, w_n in cells
        ],
        "tags": meta.get("tags") if isinstance(meta.get("tags"), list) else [],
        "git": meta.get("git") if isinstance(meta.get("git"), dict) else None,
        "dashboardUrl": link,
    }


def enqueue_completion(conn: Connection, batch_id: str, completed_at: int, notify: Notify) -> int:
    """One outbox row per target for this completion; how many were new."""
    if not notify.targets:
        return 0
    event_id = f"{batch_id}@{completed_at}"
    existing = set(
        conn.execute(
            sa.select(webhook_outbox.c.target).where(webhook_outbox.c.event_id == event_id)
        ).scalars()
    )
    targets = [t for t in dict.fromkeys(notify.targets) if t not in existing]
    if not targets:
        return 0
    body = orjson.dumps(completion_body(conn, batch_id, completed_at, notify.dashboard_url))
    now = now_ms()
    insert = _insert_ignoring_duplicates(conn.dialect.name)
    result = conn.execute(
        insert,
        [
            {
                "event_id": event_id,
                "batch_id": batch_id,
                "target": target,
                "body": body.decode(),
                "created_at": now,
                "next_attempt_at": now,
            }
            for target in targets
        ],
    )
    return max(result.rowcount, 0)


def _insert_ignoring_duplicates(dialect: str) -> Any:
    """A completion sent to two processes at once: the second insert is a no-op."""
    from sqlalchemy.dialects import postgresql, sqlite

    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(webhook_outbox).on_conflict_do_nothing(
        index_elements=["event_id", "target"]
    )


def claim_due(
    conn: Connection, *, holder: str, now: int, lease_ms: int, limit: int = 10
) -> list[WebhookDelivery]:
    """Due rows this holder now leases (each claimed by one conditional UPDATE)."""
    o = webhook_outbox.c
    due = (
        o.delivered_at.is_(None),
        o.failed_at.is_(None),
        o.next_attempt_at <= now,
        o.lease_expires_at < now,
    )
    rows = conn.execute(
        sa.select(o.id, o.event_id, o.target, o.body, o.attempts)
        .where(*due)
        .order_by(o.next_attempt_at, o.id)
        .limit(limit)
    ).all()
    claimed = []
    for row in rows:
        taken = conn.execute(
            webhook_outbox.update()
            .where(o.id == row.id, *due)
            .values(lease_holder=holder, lease_expires_at=now + lease_ms, attempts=o.attempts + 1)
        )
        if taken.rowcount == 1:
            claimed.append(
                WebhookDelivery(row.id, row.event_id, row.target, row.body, row.attempts + 1)
            )
    return claimed


def mark_delivered(conn: Connection, delivery_id: int, *, holder: str, now: int) -> bool:
    """Record the delivery; False when the lease was lost meanwhile (then another
    holder may send it again: receivers dedupe by ``X-Zebench-Delivery``)."""
    return _finish(conn, delivery_id, holder, delivered_at=now, last_error=None)


def mark_attempt_failed(
    conn: Connection,
    delivery_id: int,
    *,
    holder: str,
    error: str,
    retry_at: int | None,
    now: int,
) -> bool:
    """Due again at ``retry_at``, or failed for good when it is None."""
    if retry_at is None:
        return _finish(conn, delivery_id, holder, failed_at=now, last_error=error[:2000])
    return _finish(conn, delivery_id, holder, next_attempt_at=retry_at, last_error=error[:2000])


def _finish(conn: Connection, delivery_id: int, holder: str, **values: Any) -> bool:
    o = webhook_outbox.c
    result = conn.execute(
        webhook_outbox.update()
        .where(o.id == delivery_id, o.lease_holder == holder)
        .values(lease_expires_at=0, **values)
    )
    return result.rowcount == 1


def pending(conn: Connection) -> Sequence[Any]:
    """Rows not yet delivered nor given up (for ``zebench`` checks and tests)."""
    o = webhook_outbox.c
    return conn.execute(
        sa.select(o.id, o.event_id, o.target, o.attempts, o.last_error).where(
            o.delivered_at.is_(None), o.failed_at.is_(None)
        )
    ).all()
