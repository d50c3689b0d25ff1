"""Reading batches: lists, one batch with its runs, analytics and comparison.

Batch totals are the ones the server computed from the stored runs
(``zebench.service.results.recompute_batch``); times are epoch milliseconds,
as the original Worker answered them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from zebench.bounds import OFFSET_MAX
from zebench.model.errors import Invalid, NotFound, ServiceError
from zebench.service.aggregates import mean, succeeded
from zebench.service.batch_tags import batches_tagged
from zebench.service.runs import MetadataForm, Page, parse_json_text, runs_of_batch
from zebench.service.stats import desc_nulls_last
from zebench.store.tables import NO_MODEL_KEY, agg_batch_cells, agg_batch_evaluators, batches

BatchStatus = Literal["completed", "running"]
BatchSort = Literal["date", "score"]

MAX_COMPARE = 100

_BATCH_COLUMNS = [c for c in batches.c if c.name != "updated_at"]


def batch_dict(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "batchId": m["batch_id"],
        "createdAt": m["created_at"],
        "completedAt": m["completed_at"],
        "totalRuns": m["total_runs"],
        "successfulRuns": m["successful_runs"],
        "avgScore": m["avg_score"],
        "avgWeightedScore": m["avg_weighted_score"],
        "metadata": parse_json_text(m["metadata"]),
    }


def list_batches(
    conn: Connection,
    *,
    limit: int = 20,
    offset: int = 0,
    status: BatchStatus | None = None,
    sort_by: BatchSort = "date",
    tag: str | None = None,
) -> Page:
    """Batches newest first, or best average weighted score first (no score last).

    ``status=completed`` keeps batches with a completion time, ``running`` the others;
    ``tag`` keeps the batches with that tag.
    The next page is at ``offset + limit`` (returned as the page's cursor).
    """
    query = sa.select(*_BATCH_COLUMNS)
    if status == "completed":
        query = query.where(batches.c.completed_at.is_not(None))
    elif status == "running":
        query = query.where(batches.c.completed_at.is_(None))
    if tag is not None:
        query = query.where(batches.c.batch_id.in_(batches_tagged(tag)))
    order = [batches.c.created_at.desc(), batches.c.batch_id.desc()]
    if sort_by == "score":
        order.insert(0, batches.c.avg_weighted_score.desc().nulls_last())
    rows = conn.execute(query.order_by(*order).offset(offset).limit(limit + 1)).all()
    more = len(rows) > limit
    return Page([batch_dict(r) for r in rows[:limit]], str(offset + limit) if more else None)


def decode_offset_cursor(cursor: str) -> int:
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 16) or (
        int(cursor) > OFFSET_MAX
    ):
        raise Invalid("cursor is not one this server issued", {"field": "cursor", "value": cursor})
    return int(cursor)


def _batch_row(conn: Connection, batch_id: str) -> Row[Any]:
    row = conn.execute(sa.select(*_BATCH_COLUMNS).where(batches.c.batch_id == batch_id)).first()
    if row is None:
        raise NotFound("Batch not found", {"batchId": batch_id})
    return row


def get_batch(
    conn: Connection, batch_id: str, metadata_form: MetadataForm = "text"
) -> dict[str, Any]:
    """The batch with every one of its runs (oldest first); ``NotFound`` if unknown.
    The runs' metadata as ``metadata_form`` says (the batch's own is an object)."""
    batch = batch_dict(_batch_row(conn, batch_id))
    batch["runs"] = runs_of_batch(conn, batch_id, metadata_form)
    return batch


def _model(value: str) -> str | None:
    return None if value == NO_MODEL_KEY else value


def batch_analytics(conn: Connection, batch_id: str) -> dict[str, Any]:
    """Per suite/scenario, per agent/model and per evaluator figures of one batch.

    Meanings follow the original Worker's ``getBatchAnalytics``: ``runs`` counts every run,
    scores average the completed, successful runs; the evaluator breakdown
    covers the evaluations of those runs.
    """
    _batch_row(conn, batch_id)
    r = agg_batch_cells.c
    succ = succeeded(agg_batch_cells)

    def when_succ(column: sa.ColumnElement[Any]) -> Any:
        return sa.case((succ, column), else_=0)

    mine = r.batch_id == batch_id
    suite_rows = conn.execute(
        sa.select(
            r.suite,
            r.scenario,
            sa.func.sum(r.runs),
            sa.func.sum(when_succ(r.runs)),
            sa.func.sum(when_succ(r.total_sum)),
            sa.func.sum(when_succ(r.total_n)),
            sa.func.sum(when_succ(r.score_sum)),
            sa.func.sum(when_succ(r.scored)),
        )
        .where(mine)
        .group_by(r.suite, r.scenario)
        .order_by(r.suite, r.scenario)
    ).all()
    suite_breakdown = [
        {
            "suite": suite,
            "scenario": scenario,
            "runs": int(n),
            "successfulRuns": int(succ_n),
            "avgScore": mean(s_sum, s_n),
            "avgWeightedScore": mean(w_sum, w_n),
        }
        for suite, scenario, n, succ_n, s_sum, s_n, w_sum, w_n in suite_rows
    ]
    agent_rows = conn.execute(
        sa.select(
            r.agent,
            r.model,
            sa.func.sum(r.runs),
            sa.func.sum(when_succ(r.runs)),
            sa.func.sum(when_succ(r.score_sum)),
            sa.func.sum(when_succ(r.scored)),
            sa.func.min(sa.case((succ, r.score_min))),
            sa.func.max(sa.case((succ, r.score_max))),
        )
        .where(mine)
        .group_by(r.agent, r.model)
        .order_by(r.agent, r.model)
    ).all()
    agent_performance = sorted(
        (
            {
                "agent": agent,
                "model": _model(model),
                "runs": int(n),
                "successfulRuns": int(succ_n),
                "avgWeightedScore": mean(w_sum, w_n),
                "minScore": low,
                "maxScore": high,
            }
            for agent, model, n, succ_n, w_sum, w_n, low, high in agent_rows
        ),
        key=desc_nulls_last("avgWeightedScore"),
    )
    e = agg_batch_evaluators.c
    eval_rows = conn.execute(
        sa.select(
            e.evaluator_name,
            sa.func.sum(e.n),
            sa.func.sum(e.score_sum),
            sa.func.max(e.max_score_max),
        )
        .where(e.batch_id == batch_id, succeeded(agg_batch_evaluators))
        .group_by(e.evaluator_name)
        .order_by(e.evaluator_name)
    ).all()
    evaluator_breakdown = sorted(
        (
            {
                "evaluatorName": name,
                "avgScore": mean(total, n),
                "maxScore": top,
                "count": int(n),
            }
            for name, n, total, top in eval_rows
        ),
        key=desc_nulls_last("avgScore"),
    )
    return {
        "suiteBreakdown": suite_breakdown,
        "agentPerformance": agent_performance,
        "evaluatorBreakdown": evaluator_breakdown,
    }


def compare_batches(conn: Connection, batch_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The named batches that exist, newest first (unknown ids are left out, as originally)."""
    ids = [b for b in dict.fromkeys(i.strip() for i in batch_ids) if b]
    if not ids:
        # 400 rather than 422: the original Worker's answer to a missing list.
        raise ServiceError("Batch IDs required (query param: ids)", {"field": "ids"})
    if len(ids) > MAX_COMPARE:
        raise Invalid(f"at most {MAX_COMPARE} batches can be compared", {"field": "ids"})
    rows = conn.execute(
        sa.select(*_BATCH_COLUMNS)
        .where(batches.c.batch_id.in_(ids))
        .order_by(batches.c.created_at.desc(), batches.c.batch_id.desc())
    ).all()
    return [batch_dict(r) for r in rows]
