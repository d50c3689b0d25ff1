"""A tiny fingerprint of the stored data, for live pages and aggregate caches.

Runs are immutable once stored, so "how many, and the largest id" changes
whenever a run is added (even when PostgreSQL commits ids out of order, the
count moves) and batches only change through ``updated_at``. Reading it is a
count on an index plus two cheap maxima, fine to poll every second from every
open page, and it is read from the database, so it is right with several
server processes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.store.tables import batches, runs


def data_version(conn: Connection) -> str:
    run_count, max_id = conn.execute(sa.select(sa.func.count(), sa.func.max(runs.c.id))).one()
    batch_count, batch_updated = conn.execute(
        sa.select(sa.func.count(), sa.func.max(batches.c.updated_at))
    ).one()
    return f"{run_count}-{max_id or 0}-{batch_count}-{batch_updated or 0}"
