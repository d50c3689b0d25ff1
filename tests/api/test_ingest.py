"""Storing a result is all or nothing, on both engines, pre-aggregates included."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from api_support import result
from sqlalchemy.exc import IntegrityError

from zebench.api.serializers import stats as answers
from zebench.model.errors import Conflict
from zebench.model.results import EvaluationIn, ResultIn
from zebench.service import stats as stats_service
from zebench.service.results import submit_result
from zebench.store.database import Database
from zebench.store.schema import whole_schema


def _counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in whole_schema().tables.items()
            if name in {"runs", "evaluations", "telemetry", "transcripts", "batches"}
            or name.startswith("agg_")
        }


def test_a_row_the_database_rejects_leaves_nothing_behind(db: Database) -> None:
    kept = ResultIn.model_validate(result("kept", batchId="B"))
    submit_result(db, kept)
    before = _counts(db)
    with db.read() as conn:
        batch_before = conn.execute(sa.text("SELECT total_runs FROM batches")).scalar_one()

    body = ResultIn.model_validate(result("broken", batchId="B", transcript={"messages": []}))
    # The fourth evaluation has no maxScore (validation would have caught it; here it
    # reaches the store): NOT NULL makes the database refuse that row once the run
    # and the batch were written.
    bad = EvaluationIn.model_construct(
        evaluator_name="extra", score=0.5, max_score=None, details=None, created_at=None
    )
    body.evaluations.insert(3, bad)
    with pytest.raises(IntegrityError):
        submit_result(db, body)

    assert _counts(db) == before
    with db.read() as conn:
        assert conn.execute(sa.text("SELECT total_runs FROM batches")).scalar_one() == batch_before
        assert answers.suite_stats(stats_service.suite_stats(conn, "update-deps"))["totalRuns"] == 1
    # The same runId can then be stored whole.
    fixed = ResultIn.model_validate(result("broken", batchId="B"))
    assert submit_result(db, fixed).status == "created"


def test_resend_is_idempotent_and_a_changed_resend_conflicts(db: Database) -> None:
    body = ResultIn.model_validate(result("same"))
    assert submit_result(db, body).status == "created"
    counts = _counts(db)
    assert submit_result(db, body).status == "duplicate"
    assert _counts(db) == counts
    with pytest.raises(Conflict):
        submit_result(db, ResultIn.model_validate(result("same", tier="L2")))
    assert _counts(db) == counts


def test_evaluation_times_are_not_part_of_the_content(db: Database) -> None:
    first = result("timed")
    again = result("timed")
    again["evaluations"] = [
        {**e, "createdAt": "2026-01-05T10:05:00Z"} for e in again["evaluations"]
    ]
    assert submit_result(db, ResultIn.model_validate(first)).status == "created"
    assert submit_result(db, ResultIn.model_validate(again)).status == "duplicate"
