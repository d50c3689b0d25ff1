"""The API and the pages are two presentations of one read model: for a seeded
database, every figure the API gives equals the one the pages show for the same runs."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard_support import generated, seeded
from zebench.service import batches as batch_service
from zebench.service import stats as stats_service
from zebench.service.analytics.batches import batch_analytics as page_batch
from zebench.service.analytics.catalog import compute_catalog
from zebench.service.analytics.overview import compute_overview
from zebench.service.analytics.sources import evaluator_rows, stats
from zebench.service.filters import RunFilter

SUCCESSFUL = "successful"
ALL_TIME = 100_000  # days


def _close(api: Any, page: Any) -> None:
    assert api == (pytest.approx(page, rel=1e-9) if isinstance(page, float) else page)


def test_every_api_figure_equals_the_pages(db_url: str) -> None:
    data = generated(runs=150, batches=3)
    with seeded(db_url, data) as db, db.read() as conn:
        overview = compute_overview(conn)
        totals = stats_service.global_stats(conn, ALL_TIME)
        assert totals["totalRuns"] == overview.totals.runs > 0
        assert totals["successfulRuns"] == overview.totals.successful

        # Per agent: the API ranks the successful runs' weighted scores.
        by_agent = {g.key[0]: g for g in stats(conn, ["agent"], RunFilter(status=SUCCESSFUL))}
        agents = stats_service.agent_stats(conn)
        assert agents
        for row in agents:
            page = by_agent[row["agent"]]
            assert row["runs"] == page.scored
            _close(row["avgScore"], page.mean_score)
            _close(row["minScore"], page.score_min)
            _close(row["maxScore"], page.score_max)

        catalog = compute_catalog(conn, RunFilter())
        for suite_row in catalog.suites:
            suite = suite_row["suite"]
            api = stats_service.suite_stats(conn, suite)
            assert api["totalRuns"] == suite_row["runs"]
            assert api["successfulRuns"] == suite_row["successful"]
            wins = stats(conn, ["scenario"], RunFilter(suite=suite, status=SUCCESSFUL))
            assert {r["scenario"]: r["runs"] for r in api["scenarioBreakdown"]} == {
                g.key[0]: g.runs for g in wins
            }

        for batch in data.batches:
            _same_batch(conn, batch.batch_id)


def _same_batch(conn: Any, batch_id: str) -> None:
    api = batch_service.get_batch(conn, batch_id)
    page = page_batch(conn, batch_id)
    assert page is not None
    for field in ("totalRuns", "successfulRuns", "avgScore", "avgWeightedScore"):
        _close(api[field], page.batch[field])
    assert api["totalRuns"] == page.totals.runs
    assert api["successfulRuns"] == page.totals.successful
    _close(api["avgWeightedScore"], page.totals.mean_score)

    analytics = batch_service.batch_analytics(conn, batch_id)
    # The page splits each scenario by agent and model; summed, they are the API's row.
    scenarios: dict[tuple[str, str], list[int]] = {}
    for r in page.by_scenario:
        counts = scenarios.setdefault((r["suite"], r["scenario"]), [0, 0])
        counts[0] += r["runs"]
        counts[1] += r["successful"]
    assert len(scenarios) == len(analytics["suiteBreakdown"])
    for row in analytics["suiteBreakdown"]:
        shown = scenarios[(row["suite"], row["scenario"])]
        assert [row["runs"], row["successfulRuns"]] == shown
    pairs = {(r["agent"], r["model"]): r for r in page.by_pair}
    assert len(pairs) == len(analytics["agentPerformance"])
    for row in analytics["agentPerformance"]:
        shown = pairs[(row["agent"], row["model"])]
        assert (row["runs"], row["successfulRuns"]) == (shown["runs"], shown["successful"])
    # The API's evaluator breakdown covers the batch's successful runs.
    evaluators = {
        r["evaluator"]: r
        for r in evaluator_rows(conn, RunFilter(batch=batch_id, status=SUCCESSFUL))
    }
    assert len(evaluators) == len(analytics["evaluatorBreakdown"])
    for row in analytics["evaluatorBreakdown"]:
        shown = evaluators[row["evaluatorName"]]
        assert row["count"] == shown["evaluations"]
        _close(row["avgScore"], shown["meanScore"])
