"""``zebench compare`` as a real process, against a results service on loopback and against
the embedded store, on seeded batches: a known regression, none, and the same batch."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import result, unique

from harness_support import cli_env, zebench
from zebench.model.statistics import ScoredRun, pair_runs, regression_test

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
SCENARIOS = ("alpha", "beta")
ITERATIONS = 4
AUTH = {"Authorization": "Bearer dev-local-key"}


def _seed(url: str, tags: list[str], scores: dict[str, list[float]], failed: int = 0) -> str:
    """A completed batch: per scenario, one score per iteration (the first ``failed``
    runs of each scenario failed instead)."""
    batch_id = unique("batch")
    meta = {"tags": tags, "git": {"commit": unique("c"), "branch": tags[0], "dirty": False}}
    body = {"batchId": batch_id, "createdAt": 1_790_000_000_000, "metadata": meta}
    assert httpx.post(f"{url}/api/results/batch", json=body, headers=AUTH).status_code == 201
    items = []
    for scenario, values in scores.items():
        for i, score in enumerate(values):
            status = "failed" if i < failed else "completed"
            items.append(
                result(
                    batchId=batch_id,
                    suite="ci-suite",
                    scenario=scenario,
                    tier="L1",
                    agent="tool-loop",
                    model="m-1",
                    status=status,
                    weightedScore=None if status == "failed" else score,
                    isSuccessful=status == "completed" and score >= 7,
                    metadata={"iteration": i + 1},
                )
            )
    response = httpx.post(f"{url}/api/results", json=items, headers=AUTH)
    assert response.status_code == 200, response.text
    done = {**body, "completedAt": 1_790_000_100_000}
    assert httpx.post(f"{url}/api/results/batch", json=done, headers=AUTH).status_code == 201
    return batch_id


def _scores(rng: random.Random, centre: float) -> dict[str, list[float]]:
    return {s: [round(rng.uniform(centre - 0.4, centre + 0.4), 3) for _ in range(ITERATIONS)]
            for s in SCENARIOS}  # fmt: skip


@sqlite_only
def test_compare_catches_a_regression_and_only_a_regression(
    live_server: Any, tmp_path: Path
) -> None:
    rng = random.Random(5)
    url = live_server.url
    base = _seed(url, ["main"], _scores(rng, 8.0))
    same = _seed(url, ["feature"], _scores(rng, 8.0))
    worse = _seed(url, ["feature"], _scores(rng, 6.5))
    summary = tmp_path / "summary.md"
    env = cli_env(
        tmp_path / "home",
        ZE_BENCHMARKS_WORKER_URL=url,
        GITHUB_STEP_SUMMARY=str(summary),
        ZEBENCH_DASHBOARD_URL=url,
    )

    regressed = zebench(
        ["compare", "--baseline", "latest:main", worse, "--fail-on-regression", "--format", "json"],
        env,
    )
    assert regressed.returncode == 1, regressed.stdout + regressed.stderr
    data = json.loads(regressed.stdout)
    assert data["base"]["batchId"] == base and data["verdict"] == "worse"
    test = data["test"]
    assert test["exact"] is True  # 70 x 70 relabellings: enumerated
    assert test["sharedCells"] == 2 and test["baseRuns"] == test["headRuns"] == 8
    assert test["pValue"] < 0.05 and test["meanDelta"] < -1
    assert {c["scenario"] for c in data["cells"]} == set(SCENARIOS)
    assert all(c["delta"] < 0 for c in data["cells"])

    # No --fail-on-regression: reported, exit 0.
    assert zebench(["compare", base, worse], env).returncode == 0

    fine = zebench(["compare", base, same, "--fail-on-regression", "--format", "markdown"], env)
    assert fine.returncode == 0, fine.stdout + fine.stderr
    assert fine.stdout.startswith("### zebench compare: within noise")

    itself = zebench(["compare", base, base, "--fail-on-regression", "--format", "json"], env)
    assert itself.returncode == 0
    assert json.loads(itself.stdout)["test"]["pValue"] == 1.0

    text = summary.read_text()
    assert text.count("### zebench compare:") == 4
    assert f"({url}/batches/compare?ids={base},{worse})" in text

    # The embedded store answers the same.
    local = cli_env(tmp_path / "home2")
    embedded = zebench(
        ["compare", base, worse, "--database-url", live_server.db.url, "--format", "json",
         "--fail-on-regression"],
        local,
    )  # fmt: skip
    assert embedded.returncode == 1
    assert json.loads(embedded.stdout)["test"]["pValue"] == pytest.approx(test["pValue"])

    # The dashboard's comparison page reaches the same verdict with the same test.
    page = httpx.get(f"{url}/batches/compare", params={"ids": f"{base},{worse}"}).text
    assert "worse, beyond noise" in page
    assert f"{test['pValue']:.4f}" in page
    page = httpx.get(f"{url}/batches/compare", params={"ids": f"{base},{same}"}).text
    assert "within noise" in page and "beyond noise</td>" not in page


@sqlite_only
def test_compare_explains_what_it_cannot_find(live_server: Any, tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home", ZE_BENCHMARKS_WORKER_URL=live_server.url)
    missing = zebench(["compare", "batch-nope", "batch-nada"], env)
    assert missing.returncode == 2 and "not found" in missing.stderr
    untagged = zebench(["compare", "--baseline", "latest:never-used", "batch-x"], env)
    assert untagged.returncode == 2
    one = zebench(["compare", "batch-x"], env)
    assert one.returncode == 2 and "give BASE and HEAD" in one.stderr


def _cell(scenario: str) -> tuple[str, str, str, str, str]:
    return ("s", scenario, "L1", "a", "")


def test_iterations_of_one_scenario_are_evidence() -> None:
    """One scenario, four iterations each side, every HEAD run lower: the exact two-sided
    p-value is 2 / C(8, 4); a cell-level test would have a single pair to go on."""
    base = [ScoredRun(_cell("x"), "completed", s) for s in (8.0, 8.2, 7.9, 8.1)]
    head = [ScoredRun(_cell("x"), "completed", s) for s in (6.0, 6.1, 5.9, 6.2)]
    test = regression_test(pair_runs(base, head))
    assert test.exact and test.p_value == pytest.approx(2 / 70)
    assert test.verdict == "worse" and test.regression


def test_a_failed_run_counts_as_zero_and_ties_are_noise() -> None:
    base = [ScoredRun(_cell("x"), "completed", 5.0) for _ in range(3)]
    head = [ScoredRun(_cell("x"), "failed", None), *base[1:]]
    cells = pair_runs(base, head)
    assert cells[0].head == (0.0, 5.0, 5.0)
    same = regression_test(pair_runs(base, base))
    assert same.p_value == 1.0 and same.verdict == "within noise"


def test_too_few_runs_is_said_rather_than_called_noise() -> None:
    test = regression_test(pair_runs([ScoredRun(_cell("x"), "completed", 9.0)],
                                     [ScoredRun(_cell("x"), "completed", 1.0)]))  # fmt: skip
    assert test.verdict == "too few runs" and not test.regression


def test_many_cells_are_sampled_reproducibly() -> None:
    rng = random.Random(3)
    base, head = [], []
    for i in range(30):
        base += [ScoredRun(_cell(str(i)), "completed", rng.gauss(7.0, 1.0)) for _ in range(3)]
        head += [ScoredRun(_cell(str(i)), "completed", rng.gauss(6.0, 1.0)) for _ in range(3)]
    first = regression_test(pair_runs(base, head), resamples=2000)
    assert not first.exact and first.resamples == 2000
    assert first.verdict == "worse" and first.p_value <= 1 / 2001 * 5
    assert regression_test(pair_runs(base, head), resamples=2000) == first
    better = regression_test(pair_runs(head, base), resamples=2000)
    assert better.verdict == "better"
