"""A tiny fingerprint of the stored data, for live pages and aggregate caches.

Runs are immutable once stored, so the largest id and how many runs lie just
below it change whenever a run is added (the count also moves when
PostgreSQL commits ids out of order), and batches only change through
``updated_at``; a deletion sets a new token in ``meta``
(``service.deletion``). Reading it costs a primary-key maximum, a bounded
range count, two maxima over the (small) batches table and one ``meta`` row:
fine to poll every second from every open page. It is read from the database,
so it is right with several server processes.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.service.deletion import deletion_token
from zebench.store.tables import batches, runs

RECENT_IDS = 1_000
"""How far below the newest id a late commit is still noticed: far more runs than
can be in flight at once, and few enough that counting them stays an index range."""


def data_version(conn: Connection) -> str:
    max_id = conn.execute(sa.select(sa.func.max(runs.c.id))).scalar() or 0
    recent = conn.execute(
        sa.select(sa.func.count()).select_from(runs).where(runs.c.id > max_id - RECENT_IDS)
    ).scalar()
    batch_count, batch_updated = conn.execute(
        sa.select(sa.func.count(), sa.func.max(batches.c.updated_at))
    ).one()
    deleted = deletion_token(conn)  # deleting an old run changes none of the above
    return f"{max_id}-{recent}-{batch_count}-{batch_updated or 0}-{deleted}"
