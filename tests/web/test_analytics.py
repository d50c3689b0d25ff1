"""The dashboard's aggregates equal the figures computed directly from the generated runs."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from dashboard_support import by_pair, ci95, median_duration, scored, successful, total_cost
from demo_data import Generated
from zebench.model.errors import Invalid, NotFound
from zebench.model.results import ResultIn, TelemetryIn
from zebench.service import run_order
from zebench.service.analytics.catalog import compute_catalog
from zebench.service.analytics.costs import compute_costs
from zebench.service.analytics.evaluations import evaluator_rows
from zebench.service.analytics.groups import score_histogram
from zebench.service.analytics.leaderboard import compute_leaderboard
from zebench.service.analytics.overview import compute_overview
from zebench.service.analytics.trends import compute_trends
from zebench.service.analytics.version import data_version
from zebench.service.batch_analytics import batch_figures, batch_report
from zebench.service.batch_comparison import compare_batches, parse_batch_ids
from zebench.service.batches import BatchFilter, count_batches, list_batches
from zebench.service.filters import NO_MODEL, RunFilter
from zebench.service.results import submit_result
from zebench.service.run_order import SORTABLE, RunOrder
from zebench.service.runs import list_runs, run_evidence, telemetry_of
from zebench.store.database import Database


def test_overview_totals(seeded_db: Database, data: Generated) -> None:
    results = data.results
    with seeded_db.read() as conn:
        overview = compute_overview(conn)
    totals = overview.totals
    assert totals.runs == len(results)
    assert totals.successful == successful(results)
    assert totals.failed == sum(1 for r in results if r.status == "failed")
    assert totals.mean_score == pytest.approx(statistics.mean(scored(results)))
    assert totals.cost_sum == pytest.approx(total_cost(results))
    assert sum(n for *_, n in overview.histogram) == len(scored(results))
    assert [r.run_id for r in overview.recent_runs.runs] == [
        r.run_id for r in sorted(results, key=lambda r: r.started_at, reverse=True)[:10]
    ]


def test_leaderboard_rows(seeded_db: Database, data: Generated) -> None:
    with seeded_db.read() as conn:
        board = compute_leaderboard(conn, RunFilter())
    pairs = by_pair(data.results)
    assert len(board.rows) == len(pairs)
    for row in board.rows:
        runs = pairs[(row["agent"], row["model"])]
        scores = scored(runs)
        assert row["runs"] == len(runs)
        assert row["successRate"] == pytest.approx(successful(runs) / len(runs))
        assert row["meanScore"] == pytest.approx(statistics.mean(scores) if scores else None)
        expected_ci = ci95(scores)
        if expected_ci is None:
            assert row["scoreCi95"] is None
        else:
            assert row["scoreCi95"] == pytest.approx(expected_ci, abs=0.002 * expected_ci + 1e-9)
        wins = successful(runs)
        assert row["costPerSuccess"] == (pytest.approx(total_cost(runs) / wins) if wins else None)
        assert row["medianDurationMs"] == pytest.approx(median_duration(runs))
    ranked = [r["meanScore"] for r in board.rows if r["completed"] >= 3]
    assert ranked == sorted(ranked, reverse=True)
    cells = sum(sum(row) for row in board.heat_map.counts)
    assert cells == len(data.results)


def test_filters_select_the_right_runs(seeded_db: Database, data: Generated) -> None:
    results = data.results
    echo = [r for r in results if r.agent == "echo"]
    wins = [r for r in results if r.status == "completed" and r.is_successful]
    cutoff = max(r.started_at for r in results) - timedelta(days=3)
    since_day = cutoff.date()
    recent = [r for r in results if r.started_at.astimezone(UTC).date() >= since_day]
    with seeded_db.read() as conn:
        assert list_runs(conn, RunFilter(agent="echo"), count=True).total == len(echo)
        assert list_runs(conn, RunFilter(model=NO_MODEL), count=True).total == len(echo)
        assert list_runs(conn, RunFilter(status="successful"), count=True).total == len(wins)
        assert list_runs(conn, RunFilter(since=since_day), count=True).total == len(recent)
        page = list_runs(conn, RunFilter(agent="echo", status="completed"), limit=500)
        assert {r.run_id for r in page.runs} == {r.run_id for r in echo if r.status == "completed"}


def test_run_filter_names_bad_parameters() -> None:
    with pytest.raises(Invalid) as caught:
        RunFilter.parse({"since": "last tuesday"})
    assert caught.value.details["field"] == "since"
    with pytest.raises(Invalid) as caught:
        RunFilter.parse({"status": "great"})
    assert caught.value.details["field"] == "status"
    with pytest.raises(Invalid):
        RunFilter.parse({"since": "2026-02-02", "until": "2026-01-01"})
    assert RunFilter.parse({"agent": " echo ", "suite": ""}) == RunFilter(agent="echo")


def test_sorting_and_paging(seeded_db: Database, data: Generated) -> None:
    with seeded_db.read() as conn:
        by_score = RunOrder("weightedScore", descending=True)
        first = list_runs(conn, RunFilter(), order=by_score, limit=20)
        second = list_runs(conn, RunFilter(), order=by_score, offset=20, limit=20)
        cheapest = list_runs(
            conn, RunFilter(), order=RunOrder("costUsd", descending=False), limit=5
        )
        cheapest_costs = telemetry_of(conn, [r.run_id for r in cheapest.runs])
        with pytest.raises(Invalid):
            list_runs(conn, RunFilter(), order=RunOrder("password"))
    scores = [r.weighted_score for r in first.runs + second.runs]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == max(scored(data.results))
    assert not {r.run_id for r in first.runs} & {r.run_id for r in second.runs}
    costs = sorted(
        r.telemetry.cost_usd
        for r in data.results
        if r.telemetry and r.telemetry.cost_usd is not None
    )
    assert [cheapest_costs[r.run_id].cost_usd for r in cheapest.runs] == pytest.approx(costs[:5])


def test_batch_analytics(seeded_db: Database, data: Generated) -> None:
    batch = max(data.batches, key=lambda b: sum(r.batch_id == b.batch_id for r in data.results))
    runs = [r for r in data.results if r.batch_id == batch.batch_id]
    with seeded_db.read() as conn:
        analytics = batch_report(conn, batch_figures(conn, batch.batch_id))
        with pytest.raises(NotFound):
            batch_figures(conn, "no-such-batch")
    assert analytics.totals.runs == len(runs)
    assert analytics.batch["totalRuns"] == len(runs)
    assert analytics.batch["successfulRuns"] == successful(runs)
    assert sum(r["runs"] for r in analytics.by_scenario) == len(runs)
    assert sum(r["runs"] for r in analytics.by_tier) == len(runs)
    # Split by agent and model, and the scenario x (agent, model) matrix holds the same cells.
    expected: dict[tuple[str, ...], int] = {}
    for r in runs:
        key = (r.suite, r.scenario, r.agent, r.model or "")
        expected[key] = expected.get(key, 0) + 1
    shown = {
        (r["suite"], r["scenario"], r["agent"], r["model"] or ""): r["runs"]
        for r in analytics.by_scenario
    }
    assert shown == expected
    matrix = analytics.matrix
    assert {(s, c, a, m or "") for (s, c, a, m) in matrix.cells} == set(expected)
    for scenario in matrix.scenarios:
        for pair in matrix.pairs:
            cell = matrix.cell(scenario, pair)
            key = (*scenario, pair[0], pair[1] or "")
            assert (cell["runs"] if cell else 0) == expected.get(key, 0)
    assert all({"agent", "model"} <= set(r) for r in analytics.by_tier)
    failed_kinds: dict[str, int] = {}
    for r in runs:
        if r.status == "failed":
            kind = (r.metadata or {}).get("errorType") or "unknown"
            failed_kinds[kind] = failed_kinds.get(kind, 0) + 1
    assert {f.kind: f.count for f in analytics.failures} == failed_kinds
    evaluated = [e for r in runs for e in r.evaluations]
    assert {row["evaluator"]: row["evaluations"] for row in analytics.by_evaluator} == {
        name: sum(1 for e in evaluated if e.evaluator_name == name)
        for name in {e.evaluator_name for e in evaluated}
    }


def test_batch_list_sorts_and_filters(seeded_db: Database, data: Generated) -> None:
    with seeded_db.read() as conn:
        newest = list_batches(conn, limit=100)
        total = count_batches(conn)
        by_runs = list_batches(conn, sort="totalRuns", descending=True, limit=100)
        found = count_batches(conn, BatchFilter(search="xss"))
        with pytest.raises(Invalid):
            list_batches(conn, BatchFilter(status="paused"))
    assert total == len(newest.rows) == len(data.batches)
    created = [b.created_at for b in newest.rows]
    assert created == sorted(created, reverse=True)
    totals = [b.total_runs for b in by_runs.rows]
    assert totals == sorted(totals, reverse=True)
    assert found == 1


def test_comparison_deltas_and_tests(seeded_db: Database, data: Generated) -> None:
    a, b = (batch.batch_id for batch in data.batches[:2])

    def cell_scores(batch_id: str) -> dict[tuple[str, ...], float]:
        cells: dict[tuple[str, ...], list[float]] = {}
        for r in data.results:
            if r.batch_id != batch_id:
                continue
            value = r.weighted_score if r.status == "completed" else 0.0
            if value is None:
                continue
            key = (r.suite, r.scenario, r.tier, r.agent, r.model or "")
            cells.setdefault(key, []).append(value)
        return {k: statistics.mean(v) for k, v in cells.items()}

    base, other = cell_scores(a), cell_scores(b)
    shared = sorted(set(base) & set(other))
    with seeded_db.read() as conn:
        comparison = compare_batches(conn, [a, b])
        with pytest.raises(NotFound):
            compare_batches(conn, [a, "missing"])
    deltas = {
        (c.suite, c.scenario, c.tier, c.agent, c.model or ""): c.deltas[0]
        for c in comparison.cells
        if c.deltas[0] is not None
    }
    assert sorted(deltas) == shared
    for key in shared:
        assert deltas[key] == pytest.approx(other[key] - base[key])
    test = comparison.tests[0]
    assert test.shared == len(shared)
    assert test.mean_delta == pytest.approx(statistics.mean(other[k] - base[k] for k in shared))
    up = sum(1 for k in shared if other[k] - base[k] > 1e-9)
    assert test.sign.positive == up


def test_comparison_needs_two_to_five_batches() -> None:
    assert parse_batch_ids("a, b,a") == ["a", "b"]
    assert parse_batch_ids(["a,b", "c"]) == ["a", "b", "c"]
    for bad in ("a", "a,b,c,d,e,f", ""):
        with pytest.raises(Invalid):
            parse_batch_ids(bad)


def test_catalog_costs_trends_evaluators(seeded_db: Database, data: Generated) -> None:
    results = data.results
    with seeded_db.read() as conn:
        catalog = compute_catalog(conn, RunFilter())
        costs = compute_costs(conn, RunFilter())
        trends = compute_trends(conn, RunFilter())
        evaluators = evaluator_rows(conn, RunFilter(agent="echo"))
    assert catalog.options.suites == sorted({r.suite for r in results})
    assert catalog.options.agents == sorted({r.agent for r in results})
    assert NO_MODEL in catalog.options.models
    assert sum(s["runs"] for s in catalog.suites) == len(results)
    assert costs.total_cost == pytest.approx(total_cost(results))
    assert sum(r["totalCost"] or 0.0 for r in costs.rows) == pytest.approx(total_cost(results))
    assert [r["totalCost"] for r in costs.rows if r["agent"] == "echo"] == [None]
    assert sum(sum(s.runs) for s in trends.pairs) == len(results)
    echo_evals = [e for r in results if r.agent == "echo" for e in r.evaluations]
    assert sum(row["evaluations"] for row in evaluators) == len(echo_evals)


def test_histogram_edges(seeded_db: Database, data: Generated) -> None:
    with seeded_db.read() as conn:
        bins = score_histogram(conn, RunFilter())
    expected = [0] * 20
    for s in scored(data.results):
        expected[min(math.floor(s / 0.5), 19)] += 1
    assert [n for *_, n in bins] == expected


def test_run_detail_and_version(seeded_db: Database, data: Generated) -> None:
    """Last in the module on purpose: it stores one more run."""
    failed = next(r for r in data.results if r.status == "failed" and r.transcript)
    with seeded_db.read() as conn:
        before = data_version(conn)
        detail = run_evidence(conn, failed.run_id)
        with pytest.raises(NotFound):
            run_evidence(conn, "no-such-run")
    assert detail.failure is not None
    assert detail.failure.message == failed.metadata["error"]
    assert detail.transcript
    extra = ResultIn(
        run_id=f"version-probe-{before}",
        suite="s",
        scenario="x",
        tier="L0",
        agent="echo",
        status="completed",
        started_at=datetime.now(tz=UTC),
    )
    submit_result(seeded_db, extra)
    with seeded_db.read() as conn:
        after = data_version(conn)
    assert after != before


def _telemetry_sort_runs() -> list[ResultIn]:
    """Runs whose telemetry values tie, are missing, or whose telemetry is absent."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    out = []
    for n in range(60):
        telemetry = None
        if n % 9:
            telemetry = TelemetryIn(
                cost_usd=None if n % 4 == 0 else (n % 7) / 10,
                duration_ms=None if n % 5 == 0 else (n % 6) * 1000,
                tokens_in=None if n % 7 == 2 else (n % 8) * 100,
            )
        out.append(
            ResultIn(
                run_id=f"telemetry-sort-{n}",
                suite="s",
                scenario="x",
                tier="L0",
                agent="echo" if n % 3 else "anthropic",
                status="completed" if n % 10 else "failed",
                started_at=start + timedelta(minutes=n // 2),
                telemetry=telemetry,
            )
        )
    return out


@pytest.mark.parametrize("sort", ["costUsd", "durationMs", "tokensIn"])
@pytest.mark.parametrize("descending", [True, False])
def test_telemetry_sort_walking_the_index_matches_sorting_everything(
    db: Database, sort: str, descending: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large stores walk the telemetry column's index, then list runs without a value;
    # every page must be the one that sorting all matching runs gives.
    for result in _telemetry_sort_runs():
        submit_result(db, result)
    for flt in (RunFilter(), RunFilter(agent="echo", status="completed")):
        with db.read() as conn:
            total = list_runs(conn, flt, limit=1, count=True).total
            assert total is not None
            order = RunOrder(sort, descending)
            pages: dict[int, list[list[str]]] = {}
            for walk_from in (0, 10**9):
                monkeypatch.setattr(run_order, "WALK_TELEMETRY_FROM", walk_from)
                pages[walk_from] = [
                    [
                        r.run_id
                        for r in list_runs(
                            conn, flt, order=order, offset=o, limit=7, count=True
                        ).runs
                    ]
                    for o in range(0, total + 7, 7)
                ]
            walked = [run_id for page in pages[0] for run_id in page]
            column = SORTABLE[sort].name
            tele = telemetry_of(conn, walked)
            values = [getattr(tele.get(run_id), column, None) for run_id in walked]
        assert pages[0] == pages[10**9]
        assert len(walked) == len(set(walked)) == total
        present = [v for v in values if v is not None]
        assert 0 < len(present) < len(values)
        assert values == present + [None] * (len(values) - len(present))
        assert present == sorted(present, reverse=descending)
