"""Which scoring the stored runs were scored with, so that figures say what they average.

Runs scored by the harness since scoring version 2 carry ``"scoringVersion": 2`` in their
metadata (stored as ``json.dumps`` writes it); every other completed run is version 1
(absolute: checks already true before the agent counted). See docs/scoring.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.service.filters import RunFilter
from zebench.store.tables import runs

CURRENT = 2
_MARK = f'%"scoringVersion": {CURRENT}%'


@dataclass(frozen=True)
class ScoringMix:
    current: int
    """Completed runs scored with the current (baseline-relative) scoring."""
    older: int
    """Completed runs scored with version 1 (absolute)."""

    @property
    def mixed(self) -> bool:
        return self.current > 0 and self.older > 0


def scoring_mix(conn: Connection, flt: RunFilter) -> ScoringMix:
    """Which scorings scored the completed runs among those ``flt`` selects."""
    completed = runs.c.status == "completed"
    current = sa.func.count().filter(runs.c.metadata.like(_MARK))
    query = sa.select(sa.func.count(), current).where(completed, *flt.clauses())
    row = conn.execute(query).one()
    total, new = int(row[0]), int(row[1])
    return ScoringMix(current=new, older=total - new)
