"""Batches: the list, one batch's analytics, and its failures by kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from zebench.jsontext import json_object
from zebench.model.errors import Invalid
from zebench.service.analytics.groups import GroupStats, merge, roll_up, stats_row
from zebench.service.analytics.run_details import failure_of
from zebench.service.analytics.sources import cells, evaluator_rows
from zebench.service.batch_tags import batches_tagged
from zebench.service.filters import RunFilter
from zebench.store.tables import batch_tags, batches, runs

Row = dict[str, Any]

BATCH_STATUSES = ("running", "completed")

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


@dataclass(frozen=True)
class BatchPage:
    rows: list[Row]
    total: int


def _batch_row(b: Any) -> Row:
    metadata = json_object(b.metadata)
    return {
        "batchId": b.batch_id,
        "createdAt": b.created_at,
        "completedAt": b.completed_at,
        "status": "completed" if b.completed_at is not None else "running",
        "totalRuns": b.total_runs,
        "successfulRuns": b.successful_runs,
        "successRate": b.successful_runs / b.total_runs if b.total_runs else None,
        "avgScore": b.avg_score,
        "avgWeightedScore": b.avg_weighted_score,
        "durationMs": (b.completed_at - b.created_at) if b.completed_at is not None else None,
        "metadata": metadata,
        **provenance(metadata),
    }


def provenance(metadata: dict[str, Any]) -> Row:
    """The tags and git commit a batch recorded (``zebench batch --tag``), as shown."""
    tags = metadata.get("tags")
    git = metadata.get("git")
    git = git if isinstance(git, dict) else {}
    commit = git.get("commit")
    shown = None
    if isinstance(commit, str) and commit:
        shown = commit[:12] + (f" ({git['branch']})" if git.get("branch") else "")
        shown += " dirty" if git.get("dirty") else ""
    return {
        "tags": ", ".join(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else "",
        "commit": shown,
    }


def known_tags(conn: Connection, limit: int = 200) -> list[str]:
    """Tags in use, alphabetically (for the batches page's filter)."""
    query = sa.select(batch_tags.c.tag).distinct().order_by(batch_tags.c.tag).limit(limit)
    return list(conn.execute(query).scalars())


def list_batches(
    conn: Connection,
    *,
    status: str | None = None,
    query: str | None = None,
    sort: str = "createdAt",
    descending: bool = True,
    offset: int = 0,
    limit: int = 20,
    tag: str | None = None,
) -> BatchPage:
    """Batches, newest first by default; ``query`` matches part of the batch id or the
    start of the git commit the batch recorded; ``tag`` keeps the batches with it."""
    if sort not in BATCH_SORTABLE:
        raise Invalid(
            f"sort must be one of {', '.join(BATCH_SORTABLE)}", {"field": "sort", "value": sort}
        )
    where: list[ColumnElement[bool]] = []
    if status == "running":
        where.append(batches.c.completed_at.is_(None))
    elif status == "completed":
        where.append(batches.c.completed_at.is_not(None))
    elif status:
        raise Invalid(
            f"status must be one of {', '.join(BATCH_STATUSES)}",
            {"field": "status", "value": status},
        )
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(
            batches.c.batch_id.ilike(f"%{escaped}%", escape="\\")
            # metadata is written by json.dumps, so the commit appears exactly so
            | batches.c.metadata.like(f'%"commit": "{escaped}%', escape="\\")
        )
    if tag:
        where.append(batches.c.batch_id.in_(batches_tagged(tag)))
    column = BATCH_SORTABLE[sort]
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    total = conn.execute(sa.select(sa.func.count()).select_from(batches).where(*where)).scalar()
    rows = conn.execute(
        sa.select(batches)
        .where(*where)
        .order_by(order, batches.c.created_at.desc(), batches.c.batch_id)
        .offset(offset)
        .limit(limit)
    )
    return BatchPage([_batch_row(b) for b in rows], int(total or 0))


def get_batch(conn: Connection, batch_id: str) -> Row | None:
    row = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).one_or_none()
    return _batch_row(row) if row is not None else None


@dataclass(frozen=True)
class FailureGroup:
    kind: str
    count: int
    messages: list[tuple[str, int]]
    """Distinct messages with how often each occurred, most frequent first."""
    run_ids: list[str]
    """Some runs that failed this way (for links)."""


@dataclass(frozen=True)
class BatchAnalytics:
    batch: Row
    totals: GroupStats
    by_scenario: list[Row]
    by_pair: list[Row]
    by_tier: list[Row]
    by_evaluator: list[Row]
    failures: list[FailureGroup]
    matrix: ScoreMatrix = field(default_factory=lambda: ScoreMatrix([], [], {}))


@dataclass(frozen=True)
class ScoreMatrix:
    """Scenario x (agent, model): each cell's figures (``stats_row``), None where the
    pair did not run the scenario."""

    scenarios: list[tuple[str, str]]
    pairs: list[tuple[str, str | None]]
    cells: dict[tuple[str, str, str, str | None], Row]

    def cell(self, scenario: tuple[str, str], pair: tuple[str, str | None]) -> Row | None:
        return self.cells.get((*scenario, *pair))


def batch_analytics(conn: Connection, batch_id: str) -> BatchAnalytics | None:
    """Per suite/scenario, per agent/model, per tier and per evaluator, from the batch's runs."""
    batch = get_batch(conn, batch_id)
    if batch is None:
        return None
    flt = RunFilter(batch=batch_id)
    fine = cells(conn, flt)
    # Split by agent and model: one agent's figures are never blended with another's.
    by_scenario = roll_up(fine, lambda k: (k[0], k[1], k[3], k[4]))
    by_pair = roll_up(fine, lambda k: (k[3], k[4]))
    by_tier = roll_up(fine, lambda k: (k[2], k[3], k[4]))
    per_cell = {k: stats_row(g) for k, g in by_scenario.items()}
    return BatchAnalytics(
        batch=batch,
        totals=merge(fine),
        by_scenario=[
            {"suite": k[0], "scenario": k[1], "agent": k[2], "model": k[3], **row}
            for k, row in per_cell.items()
        ],
        by_pair=[{"agent": k[0], "model": k[1], **stats_row(g)} for k, g in by_pair.items()],
        by_tier=[
            {"tier": k[0], "agent": k[1], "model": k[2], **stats_row(g)} for k, g in by_tier.items()
        ],
        by_evaluator=evaluator_rows(conn, flt),
        failures=failure_groups(conn, flt),
        matrix=ScoreMatrix(
            scenarios=sorted({(k[0], k[1]) for k in per_cell}),
            pairs=sorted({(k[2], k[3]) for k in per_cell}, key=lambda p: (p[0], p[1] or "")),
            cells=per_cell,
        ),
    )


def failure_groups(conn: Connection, flt: RunFilter, *, examples: int = 5) -> list[FailureGroup]:
    """Failed runs grouped by what failed (``metadata.errorType``), largest group first."""
    query = (
        sa.select(runs.c.run_id, runs.c.status, runs.c.metadata)
        .where(runs.c.status == "failed", *flt.clauses())
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
    )
    kinds: dict[str, dict[str, Any]] = {}
    for run_id, status, metadata in conn.execute(query):
        failure = failure_of(status, json_object(metadata))
        if failure is None:
            continue
        group = kinds.setdefault(failure.kind, {"count": 0, "messages": {}, "runs": []})
        group["count"] += 1
        messages: dict[str, int] = group["messages"]
        messages[failure.message] = messages.get(failure.message, 0) + 1
        if len(group["runs"]) < examples:
            group["runs"].append(run_id)
    return sorted(
        (
            FailureGroup(
                kind=kind,
                count=g["count"],
                messages=sorted(g["messages"].items(), key=lambda m: (-m[1], m[0])),
                run_ids=g["runs"],
            )
            for kind, g in kinds.items()
        ),
        key=lambda f: (-f.count, f.kind),
    )
