"""The API and the pages are two presentations of one read model: for a seeded
database, every figure the API gives equals the one the pages show for the same runs."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
import pytest

from dashboard_support import NOW_MS, generated, seeded, serve
from zebench.api.serializers import stats as answers
from zebench.api.serializers.batches import analytics_json, batch_json, compared_json
from zebench.model.time import DAY_MS
from zebench.service import batches as batch_service
from zebench.service import stats as stats_service
from zebench.service.analytics.catalog import compute_catalog
from zebench.service.analytics.evaluations import evaluator_rows
from zebench.service.analytics.evaluators import compute_evaluators
from zebench.service.analytics.leaderboard import compute_leaderboard
from zebench.service.analytics.overview import compute_overview
from zebench.service.analytics.sources import stats
from zebench.service.batch_analytics import batch_figures, batch_report
from zebench.service.batch_comparison import compare_batches
from zebench.service.filters import RunFilter

SUCCESSFUL = "successful"
ALL_TIME = 100_000  # days


def _close(api: Any, page: Any) -> None:
    assert api == (pytest.approx(page, rel=1e-9) if isinstance(page, float) else page)


def test_every_api_figure_equals_the_pages(db_url: str) -> None:
    data = generated(runs=150, batches=3)
    with seeded(db_url, data) as db, db.read() as conn:
        overview = compute_overview(conn)
        totals = answers.global_stats(stats_service.global_stats(conn, ALL_TIME))
        assert totals["totalRuns"] == overview.totals.runs > 0
        assert totals["successfulRuns"] == overview.totals.successful
        _same_window(conn)

        # Per agent and per model: the API ranks the successful runs' weighted scores.
        _same_performance(conn, "agent")
        _same_performance(conn, "model")

        catalog = compute_catalog(conn, RunFilter())
        for suite_row in catalog.suites:
            suite = suite_row["suite"]
            api = answers.suite_stats(stats_service.suite_stats(conn, suite))
            assert api["totalRuns"] == suite_row["runs"]
            assert api["successfulRuns"] == suite_row["successful"]
            wins = stats(conn, ["scenario"], RunFilter(suite=suite, status=SUCCESSFUL))
            assert {r["scenario"]: r["runs"] for r in api["scenarioBreakdown"]} == {
                g.key[0]: g.runs for g in wins
            }
        for scenario_row in catalog.scenarios:
            _same_scenario(conn, scenario_row)
        _same_evaluators(conn)

        for batch in data.batches:
            _same_batch(conn, batch.batch_id)


def _same_window(conn: Any) -> None:
    """``/api/stats?days=N`` cut at a UTC midnight counts the runs the pages' ``since``
    filter selects (read from the hourly and the daily pre-aggregates respectively)."""
    midnight = NOW_MS // DAY_MS * DAY_MS
    for days in (1, 3, 8):
        api = answers.global_stats(stats_service.global_stats(conn, days, now=midnight))
        since = datetime.fromtimestamp((midnight - days * DAY_MS) / 1000, UTC).date()
        rows = compute_leaderboard(conn, RunFilter(since=since)).rows
        assert api["totalRuns"] == sum(r["runs"] for r in rows) > 0
        assert api["successfulRuns"] == sum(r["successful"] for r in rows)
        (won,) = stats(conn, (), RunFilter(since=since, status=SUCCESSFUL))
        _close(api["avgWeightedScore"], won.mean_score)
        _close(api["avgScore"], won.mean_total_score)


def _same_performance(conn: Any, by: Literal["agent", "model"]) -> None:
    pages = {g.key[0]: g for g in stats(conn, [by], RunFilter(status=SUCCESSFUL))}
    rows = answers.performance(stats_service.performance(conn, by), by)
    assert rows
    for row in rows:
        page = pages[row[by]]
        assert row["runs"] == page.scored
        _close(row["avgScore"], page.mean_score)
        _close(row["minScore"], page.score_min)
        _close(row["maxScore"], page.score_max)


def _same_scenario(conn: Any, shown: dict[str, Any]) -> None:
    suite, scenario = shown["suite"], shown["scenario"]
    api = answers.scenario_stats(stats_service.scenario_stats(conn, suite, scenario))
    assert (api["totalRuns"], api["successfulRuns"]) == (shown["runs"], shown["successful"])
    won = RunFilter(suite=suite, scenario=scenario, status=SUCCESSFUL)
    per_agent: dict[str, int] = {}
    for row in compute_leaderboard(conn, won).rows:  # a row per agent and model
        per_agent[row["agent"]] = per_agent.get(row["agent"], 0) + row["runs"]
    assert {r["agent"]: r["runs"] for r in api["agentComparison"]} == per_agent


def _same_evaluators(conn: Any) -> None:
    """All time, the API's per-day evaluator trend adds up to the evaluators page's row."""
    for row in compute_evaluators(conn, RunFilter()).rows:
        days = answers.evaluator_trends(
            stats_service.evaluator_trends(conn, row["evaluator"], ALL_TIME)
        )
        count = sum(d["count"] for d in days)
        assert count == row["evaluations"]
        _close(math.fsum(d["avgScore"] * d["count"] for d in days) / count, row["meanScore"])


def _same_batch(conn: Any, batch_id: str) -> None:
    api = batch_json(batch_service.get_batch(conn, batch_id))
    page = batch_report(conn, batch_figures(conn, batch_id))
    for field in ("totalRuns", "successfulRuns", "avgScore", "avgWeightedScore"):
        _close(api[field], page.batch[field])
    assert api["totalRuns"] == page.totals.runs
    assert api["successfulRuns"] == page.totals.successful
    _close(api["avgWeightedScore"], page.totals.mean_score)

    analytics = analytics_json(batch_figures(conn, batch_id))
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

    # Scores of the API's breakdowns are those of the successful runs, as the pages'
    # statistics give them for the same runs.
    successful = RunFilter(batch=batch_id, status=SUCCESSFUL)
    by_scenario = {tuple(g.key): g for g in stats(conn, ["suite", "scenario"], successful)}
    for row in analytics["suiteBreakdown"]:
        shown = by_scenario.get((row["suite"], row["scenario"]))
        _close(row["avgWeightedScore"], shown.mean_score if shown else None)
    by_pair = {tuple(g.key): g for g in stats(conn, ["agent", "model"], successful)}
    for row in analytics["agentPerformance"]:
        shown = by_pair.get((row["agent"], row["model"]))
        _close(row["avgWeightedScore"], shown.mean_score if shown else None)
        _close(row["minScore"], shown.score_min if shown else None)
        _close(row["maxScore"], shown.score_max if shown else None)


def test_batch_list_and_comparison_api_equal_pages(db_url: str) -> None:
    """Through the served app: the API's batch list is the batches page's (its JSON
    export), in both orders; compared batches carry the comparison page's totals."""
    data = generated(runs=120, batches=4)
    shared = ("batchId", "totalRuns", "successfulRuns")  # the export writes times as ISO
    with seeded(db_url, data) as db, serve(db) as server, httpx.Client(base_url=server.url) as web:
        for api_sort, page_sort in (("date", "createdAt"), ("score", "avgWeightedScore")):
            api = web.get("/api/batches", params={"limit": 100, "sortBy": api_sort}).json()
            page = web.get("/batches", params={"format": "json", "sort": page_sort}).json()
            assert len(api) == len(page) == len(data.batches)
            for a, p in zip(api, page, strict=True):
                assert {k: a[k] for k in shared} == {k: p[k] for k in shared}
                _close(a["avgWeightedScore"], p["avgWeightedScore"])
        ids = [b["batchId"] for b in api[:3]]
        answered = web.get("/api/batches/compare", params={"ids": ",".join(ids)}).json()
        with db.read() as conn:
            comparison = compare_batches(conn, ids)
            assert compared_json(compare_batches(conn, ids, scored=False)) == answered
    totals = {b["batchId"]: b for b in answered}
    for compared in comparison.batches:
        api_row = totals[compared.batch.batch_id]
        assert api_row["totalRuns"] == compared.figures.runs
        assert api_row["successfulRuns"] == compared.figures.successful
        _close(api_row["avgWeightedScore"], compared.figures.mean_score)


RUN_FIELDS = (
    "runId", "batchId", "suite", "scenario", "tier", "agent", "model", "status",
    "isSuccessful", "totalScore", "weightedScore",
)  # fmt: skip
"""What a run list row says in both (the page's export writes times in its own form)."""


def test_run_list_and_run_api_equal_pages(db_url: str) -> None:
    """Through the served app: for the same filters the API's run list is the runs
    page's (its JSON export), run for run in the same order; one run's evaluations
    and telemetry are the run page's."""
    data = generated(runs=120, batches=3)
    batch = data.batches[0].batch_id
    filters: list[tuple[dict[str, str], dict[str, str]]] = [
        ({}, {}),
        ({"agent": "echo"}, {"agent": "echo"}),
        ({"status": "failed"}, {"status": "failed"}),
        ({"batchId": batch}, {"batch": batch}),
        ({"suite": data.results[0].suite, "status": "completed"},) * 2,
    ]
    with seeded(db_url, data) as db, serve(db) as server, httpx.Client(base_url=server.url) as web:
        for api_params, page_params in filters:
            api = web.get("/api/runs", params={**api_params, "limit": 1000}).json()
            page = web.get("/runs", params={**page_params, "format": "json"}).json()
            assert api, api_params
            assert [{k: a[k] for k in RUN_FIELDS} for a in api] == [
                {k: p[k] for k in RUN_FIELDS} for p in page
            ]
        failed = next(r for r in data.results if r.status == "failed" and r.telemetry)
        for run_id in (failed.run_id, api[0]["runId"]):
            _same_run(web.get(f"/api/runs/{run_id}").json(), web.get(f"/runs/{run_id}?format=json"))


def _same_run(api: dict[str, Any], page_answer: httpx.Response) -> None:
    page = page_answer.json()
    assert {k: api["run"][k] for k in RUN_FIELDS} == {k: page["run"][k] for k in RUN_FIELDS}
    assert api["run"]["successMetric"] == page["run"]["successMetric"]
    shown = ("evaluatorName", "score", "maxScore", "details")
    assert [{k: e[k] for k in shown} for e in api["evaluations"]] == page["evaluations"]
    if api["telemetry"] is None:
        assert page["telemetry"] is None
    else:
        assert {k: v for k, v in api["telemetry"].items() if k not in ("id", "runId")} == (
            page["telemetry"]
        )
        assert api["telemetry"]["costUsd"] == page["run"]["costUsd"]
