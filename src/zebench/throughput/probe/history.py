"""Reading stored probes back: a model's probe points and its newest sweep."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.model.time import to_iso
from zebench.store.throughput_tables import model_probes
from zebench.throughput.schemas import ProbeOut


def probe_history(conn: Connection, chute_id: str) -> list[ProbeOut]:
    """Every probe point of the model, newest first (points of one sweep by load)."""
    p = model_probes.c
    rows = conn.execute(
        sa.select(model_probes)
        .where(p.chute_id == chute_id)
        .order_by(p.probed_at.desc(), p.concurrency, p.rate, p.id)
    ).mappings()
    return [ProbeOut(**{**row, "probed_at": to_iso(row["probed_at"])}) for row in rows]


def newest_sweep(probes: list[ProbeOut]) -> list[ProbeOut]:
    """The points of the newest probe that measured more than one load, lowest first."""
    seen: dict[str, list[ProbeOut]] = {}
    for point in probes:  # newest first
        seen.setdefault(point.sweep_id, []).append(point)
    for points in seen.values():
        if len(points) > 1:
            return sorted(points, key=lambda x: (x.concurrency or 0, x.rate or 0.0))
    return []
