"""Delivery without a service: into the embedded store, through the service code the API runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from harness_support import offline_settings
from zebench.delivery import open_delivery
from zebench.delivery.embedded import EmbeddedSink
from zebench.model.results import BatchIn, ResultIn
from zebench.store.database import Database


def _result(run_id: str, status: str = "completed", score: float = 5.0) -> ResultIn:
    return ResultIn.model_validate(
        {
            "runId": run_id,
            "batchId": "batch-e",
            "suite": "example",
            "scenario": "release-notes",
            "tier": "L0",
            "agent": "echo",
            "status": status,
            "startedAt": datetime(2026, 1, 2, tzinfo=UTC).isoformat(),
            "weightedScore": score,
            "metadata": {"iteration": 2},
        }
    )


async def test_results_go_into_the_store_idempotently(db_url: str, tmp_path: Path) -> None:
    settings = offline_settings(tmp_path, database_url=db_url)
    delivery = open_delivery(settings.delivery, settings.database_url)
    assert isinstance(delivery.sink, EmbeddedSink)
    try:
        batch = BatchIn(batch_id="batch-e", created_at=1_700_000_000_000, metadata={"k": "v"})
        assert (await delivery.submit_batch(batch)).outcome == "delivered"
        assert (await delivery.submit_result(_result("run-e1"))).outcome == "delivered"
        assert (await delivery.submit_result(_result("run-e1"))).outcome == "duplicate"
        conflict = await delivery.submit_result(_result("run-e1", score=9.0))
        assert conflict.outcome == "rejected" and "different content" in conflict.message
        assert (await delivery.submit_result(_result("run-e2", "failed"))).outcome == "delivered"
        info = await delivery.batch_info("batch-e")
        assert info is not None
        assert info.created_at == 1_700_000_000_000 and info.metadata == {"k": "v"}
        assert sorted((r.run_id, r.status, r.iteration) for r in info.runs) == [
            ("run-e1", "completed", 2),
            ("run-e2", "failed", 2),
        ]
        assert await delivery.batch_info("nope") is None
        assert delivery.pending() == []
    finally:
        await delivery.aclose()
    db = Database(db_url)
    try:
        with db.read() as conn:
            total = conn.exec_driver_sql(
                "SELECT total_runs, successful_runs FROM batches WHERE batch_id = 'batch-e'"
            ).one()
        assert tuple(total) == (2, 0)
    finally:
        db.close()
