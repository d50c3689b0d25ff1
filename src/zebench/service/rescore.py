"""Reading the stored evidence of runs and writing their recomputed scores.

The scoring rules are the harness's (``zebench db rescore`` applies them); this module
only reads what a run stored and writes new figures back, in the caller's transaction,
then the pre-aggregates are rebuilt from the runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.jsontext import json_object
from zebench.store.tables import evaluations, runs


@dataclass(frozen=True)
class StoredEvaluation:
    name: str
    score: float
    max_score: float
    details: dict[str, Any]


@dataclass(frozen=True)
class RunToRescore:
    """A completed run's stored figures and evaluations, what rescoring starts from."""

    run_id: str
    scores: NewScores
    """The figures stored now."""
    evaluations: list[StoredEvaluation]


@dataclass(frozen=True)
class NewScores:
    total_score: float | None
    weighted_score: float | None
    success_metric: float | None
    is_successful: bool
    metadata: dict[str, Any]


def completed_runs(conn: Connection, chunk: int = 500) -> Iterator[RunToRescore]:
    """Every completed run with its metadata and evaluations, in id order."""
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                runs.c.id,
                runs.c.run_id,
                runs.c.metadata,
                runs.c.total_score,
                runs.c.weighted_score,
                runs.c.success_metric,
                runs.c.is_successful,
            )
            .where(runs.c.id > last, runs.c.status == "completed")
            .order_by(runs.c.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        found: dict[str, list[StoredEvaluation]] = {r.run_id: [] for r in rows}
        for e in conn.execute(
            sa.select(
                evaluations.c.run_id,
                evaluations.c.evaluator_name,
                evaluations.c.score,
                evaluations.c.max_score,
                evaluations.c.details,
            )
            .where(evaluations.c.run_id.in_(list(found)))
            .order_by(evaluations.c.id)
        ):
            found[e.run_id].append(
                StoredEvaluation(
                    e.evaluator_name, float(e.score), float(e.max_score), json_object(e.details)
                )
            )
        for r in rows:
            stored = NewScores(
                r.total_score,
                r.weighted_score,
                r.success_metric,
                bool(r.is_successful),
                json_object(r.metadata),
            )
            yield RunToRescore(r.run_id, stored, found[r.run_id])


def write_scores(conn: Connection, run_id: str, scores: NewScores) -> None:
    conn.execute(
        runs.update()
        .where(runs.c.run_id == run_id)
        .values(
            total_score=scores.total_score,
            weighted_score=scores.weighted_score,
            success_metric=scores.success_metric,
            is_successful=scores.is_successful,
            metadata=json.dumps(scores.metadata),
        )
    )
