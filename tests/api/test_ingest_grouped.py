"""Results the SQLite writer stores together (``store_results``) end as if stored one by
one: same outcomes per item, same rows, pre-aggregates and batch totals equal to a
full recomputation, and a bad item never sinks the others."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any

import sqlalchemy as sa
from api_support import result
from sqlalchemy.exc import IntegrityError

from tolerance import nearly_equal
from zebench.model.errors import Conflict
from zebench.model.results import EvaluationIn, ResultIn
from zebench.service import aggregates
from zebench.service.results import SubmitOutcome, asubmit_result, submit_result
from zebench.store.database import Database
from zebench.store.schema import whole_schema


async def _submit_as_one_group(db: Database, items: list[ResultIn]) -> list[Any]:
    """Queue every item behind a held job, so the writer takes them as one group."""
    started, gate = threading.Event(), threading.Event()

    def hold(_conn: object) -> None:
        started.set()
        gate.wait(30)

    held: Future[None] = db._submit(hold)
    assert started.wait(30)
    try:
        tasks = [asyncio.ensure_future(asubmit_result(db, item)) for item in items]
        await asyncio.sleep(0)  # each task has queued its write
        assert db._queue is not None and db._queue.qsize() == len(items)
    finally:
        gate.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    held.result()
    return outcomes


def _aggregate_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.read() as conn:
        return {
            name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for name, table in whole_schema().tables.items()
            if name.startswith("agg_")
        }


def _batch_totals(db: Database) -> dict[str, tuple[Any, ...]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT batch_id, total_runs, successful_runs, avg_score, avg_weighted_score "
                "FROM batches"
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def _item(run_id: str, **fields: Any) -> ResultIn:
    return ResultIn.model_validate(result(run_id, **fields))


async def test_a_group_answers_and_stores_as_one_by_one(sqlite_db: Database) -> None:
    submit_result(sqlite_db, _item("old", batchId="B1"))
    items = [
        _item("g1", batchId="B1"),
        _item("g2", batchId="B2", status="failed", evaluations=[], isSuccessful=False),
        _item("g1", batchId="B1"),  # the same content again, in the same group
        _item("g1", batchId="B1", totalScore=0.1),  # different content
        _item("old", batchId="B1"),  # stored before the group
        _item("old", batchId="B1", weightedScore=1.0),
        _item("g3", model=None, totalScore=None, weightedScore=3.5),
        _item("g4", batchId="B2", startedAt="2026-01-06T11:30:00Z", weightedScore=9.5),
    ]
    outcomes = await _submit_as_one_group(sqlite_db, items)

    assert outcomes[:3] == [
        SubmitOutcome("g1", "created"),
        SubmitOutcome("g2", "created"),
        SubmitOutcome("g1", "duplicate"),
    ]
    assert isinstance(outcomes[3], Conflict) and outcomes[3].details["runId"] == "g1"
    assert outcomes[4] == SubmitOutcome("old", "duplicate")
    assert isinstance(outcomes[5], Conflict)
    assert outcomes[6:] == [SubmitOutcome("g3", "created"), SubmitOutcome("g4", "created")]
    with sqlite_db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one() == 5
        assert conn.execute(sa.text("SELECT count(*) FROM evaluations")).scalar_one() == 20

    grouped, totals = _aggregate_rows(sqlite_db), _batch_totals(sqlite_db)
    assert totals["B1"][:2] == (2, 2) and totals["B2"][:2] == (2, 1)
    sqlite_db.write(aggregates.rebuild_all)
    # Sums folded before they are added may differ from one-by-one sums in the last bit.
    assert nearly_equal(_aggregate_rows(sqlite_db), grouped)
    assert nearly_equal(_batch_totals(sqlite_db), totals)


async def test_a_bad_item_in_a_group_fails_alone(sqlite_db: Database) -> None:
    broken = _item("broken", batchId="B")
    # NOT NULL makes the database refuse this evaluation (validation would have).
    broken.evaluations.insert(
        2,
        EvaluationIn.model_construct(
            evaluator_name="extra", score=0.5, max_score=None, details=None, created_at=None
        ),
    )
    items = [_item("a", batchId="B"), broken, _item("b", batchId="B")]
    outcomes = await _submit_as_one_group(sqlite_db, items)

    assert outcomes[0] == SubmitOutcome("a", "created")
    assert isinstance(outcomes[1], IntegrityError)
    assert outcomes[2] == SubmitOutcome("b", "created")
    with sqlite_db.read() as conn:
        assert conn.execute(sa.text("SELECT run_id FROM runs ORDER BY run_id")).scalars().all() == [
            "a",
            "b",
        ]
        assert conn.execute(sa.text("SELECT count(*) FROM evaluations")).scalar_one() == 10
    assert _batch_totals(sqlite_db)["B"][:2] == (2, 2)
    grouped = _aggregate_rows(sqlite_db)
    sqlite_db.write(aggregates.rebuild_all)
    assert nearly_equal(_aggregate_rows(sqlite_db), grouped)
