"""A lease row in the database, so that among several processes or machines sharing
one database only one scrapes per cycle.

Taking the lease is one conditional UPDATE, atomic on both engines: it succeeds
when the lease has expired (or is already ours) *and* nobody has claimed this
cycle's tick yet. Writing ``cycle_at`` means a process that wakes late for the
same tick finds it claimed even after the first holder has finished and let go.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.store.throughput_tables import scrape_leases
from zebench.throughput.upsert import insert_ignoring_conflicts

SCRAPE_LEASE = "chutes-scrape"


class LeaseLost(Exception):
    """The lease expired and was taken by another holder before this cycle could save."""


@dataclass(frozen=True, slots=True)
class LeaseState:
    holder: str
    expires_at: int
    cycle_at: int


def try_acquire(
    conn: Connection, *, name: str, holder: str, now_ms: int, ttl_ms: int, tick_ms: int
) -> bool:
    """Take the lease for the cycle scheduled at ``tick_ms``; False when someone else has it."""
    _ensure_row(conn, name)
    result = conn.execute(
        scrape_leases.update()
        .where(
            scrape_leases.c.name == name,
            sa.or_(scrape_leases.c.expires_at < now_ms, scrape_leases.c.holder == holder),
            scrape_leases.c.cycle_at < tick_ms,
        )
        .values(holder=holder, expires_at=now_ms + ttl_ms, cycle_at=tick_ms)
    )
    return result.rowcount == 1


def release(conn: Connection, *, name: str, holder: str) -> None:
    """Let go of the lease if still ours. Raises ``LeaseLost`` when it no longer is.

    Called in the same transaction as the cycle's writes, so a holder whose
    lease was taken over saves nothing.
    """
    if _let_go(conn, name=name, holder=holder) != 1:
        raise LeaseLost(f"lease {name!r} is no longer held by {holder}")


def abandon(conn: Connection, *, name: str, holder: str) -> None:
    """Let go of the lease after a failed cycle; a no-op when it is not ours."""
    _let_go(conn, name=name, holder=holder)


def _let_go(conn: Connection, *, name: str, holder: str) -> int:
    """Expire the lease if ``holder`` has it; how many rows that changed (0 or 1)."""
    result = conn.execute(
        scrape_leases.update()
        .where(scrape_leases.c.name == name, scrape_leases.c.holder == holder)
        .values(expires_at=0)
    )
    return result.rowcount


def state(conn: Connection, name: str) -> LeaseState | None:
    row = conn.execute(
        sa.select(
            scrape_leases.c.holder, scrape_leases.c.expires_at, scrape_leases.c.cycle_at
        ).where(scrape_leases.c.name == name)
    ).first()
    return LeaseState(row.holder, row.expires_at, row.cycle_at) if row else None


def _ensure_row(conn: Connection, name: str) -> None:
    insert_ignoring_conflicts(
        conn, scrape_leases, [{"name": name, "holder": "", "expires_at": 0, "cycle_at": 0}]
    )
