"""Batches in process: the matrix, concurrency, one batchId, resume of what is missing."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from harness_support import CrashingAgent, WritingAgent, make_scenario, offline_settings
from zebench.agents.base import Agent, AgentRequest, AgentResult
from zebench.agents.echo import EchoAgent
from zebench.config import Settings
from zebench.delivery import open_delivery
from zebench.harness.batch import plan_batch, run_batch
from zebench.harness.matrix import Matrix, expand
from zebench.harness.summary import RunRecord, summarise
from zebench.suites import EXAMPLE_SUITES_DIR, UnknownName

EXAMPLE = EXAMPLE_SUITES_DIR / "example"


class CountingEcho:
    """Echo that records how many of its runs were in flight at once.

    Each run waits (up to a few seconds) for a second one to be in flight: with
    concurrency they meet at once; run one at a time they never do.
    """

    name = "echo"
    running = 0
    peak = 0
    met: asyncio.Event | None = None

    async def run(self, request: AgentRequest) -> AgentResult:
        cls = CountingEcho
        cls.running += 1
        cls.peak = max(cls.peak, cls.running)
        if cls.met is not None:
            if cls.running >= 2:
                cls.met.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cls.met.wait(), 3)
        try:
            return await EchoAgent().run(request)
        finally:
            cls.running -= 1


def _agents(crash_on: set[int] | None = None) -> Any:
    calls = {"n": 0}

    def factory(name: str, settings: Settings) -> Agent:
        if name == "reference":
            return WritingAgent({"a": "solved"})
        calls["n"] += 1
        if crash_on and calls["n"] in crash_on:
            return CrashingAgent()
        return CountingEcho()

    return factory


def test_the_matrix_expands_globs_tiers_agents_models_and_iterations() -> None:
    matrix = Matrix(
        "example", ("release-*", "fix-slugify"), ("L0", "L2"), ("echo", "ref"), (None, "m1"), 2
    )
    specs, notes = expand(matrix, EXAMPLE)
    # fix-slugify: L0, L2; release-notes: L0 only (it has no L2)
    assert len(specs) == (2 + 1) * 2 * 2 * 2
    assert notes == ["skipped: example/release-notes has no tier 'L2' (tiers: L0, L1)"]
    assert len({s.key for s in specs}) == len(specs)
    with pytest.raises(UnknownName, match="no scenario matches 'nope\\*'"):
        expand(Matrix("example", ("nope*",)), EXAMPLE)
    with pytest.raises(UnknownName, match="has no tier 'L7'"):
        expand(Matrix("example", ("release-notes",), ("L7",)), EXAMPLE)


def test_matrix_round_trips_through_batch_metadata() -> None:
    matrix = Matrix("example", ("a*",), None, ("echo",), (None, "m"), 3)
    assert Matrix.from_json(matrix.to_json(), "batch b") == matrix
    with pytest.raises(Exception, match=r"batch b: metadata\.matrix is not a batch matrix"):
        Matrix.from_json({"suite": "x"}, "batch b")


async def test_a_batch_runs_concurrently_under_one_id_and_resumes_what_failed(
    tmp_path: Path,
) -> None:
    settings = offline_settings(tmp_path, harness={"suites_dir": tmp_path})
    make_scenario(
        tmp_path, {"heuristic_checks": {"files": [{"name": "b", "path": "b"}]}}, {"a": ""}
    )
    console = Console(file=open(tmp_path / "out.txt", "w"), width=200)  # noqa: SIM115
    matrix = Matrix("s", ("x",), None, ("echo", "reference"), (None,), 4)
    CountingEcho.peak, CountingEcho.met = 0, asyncio.Event()
    delivery = open_delivery(settings.delivery, settings.database_url)
    try:
        plan = await plan_batch(matrix, settings, delivery)
        assert len(plan.specs) == 8
        report = await run_batch(
            plan, settings, delivery, concurrency=4, console=console, agent_factory=_agents({2})
        )
        assert CountingEcho.peak > 1  # echo runs overlapped
        assert len(report.records) == 8 and report.ok
        statuses = sorted(r.status for r in report.records)
        assert statuses.count("failed") == 1  # the second echo crashed
        info = await delivery.batch_info(plan.batch_id)
        assert info is not None and len(info.runs) == 8
        assert info.metadata["matrix"] == matrix.to_json()

        resumed = await plan_batch(None, settings, delivery, resume=plan.batch_id)
        assert resumed.batch_id == plan.batch_id and resumed.already_done == 7
        assert resumed.matrix == matrix
        [again] = resumed.specs
        failed = next(r for r in info.runs if r.status == "failed")
        assert again.key == (
            failed.suite,
            failed.scenario,
            failed.tier,
            failed.agent,
            "",
            failed.iteration,
        )
        second = await run_batch(
            resumed, settings, delivery, console=console, agent_factory=_agents()
        )
        assert [r.status for r in second.records] == ["completed"]
        assert (await plan_batch(None, settings, delivery, resume=plan.batch_id)).specs == []
    finally:
        await delivery.aclose()
        console.file.close()
    text = (tmp_path / "out.txt").read_text()
    assert "score ±95% CI" in text
    assert re.search(r"\d+\.\d\d ± \d+\.\d\d", text)  # repeats give an interval


async def test_resuming_an_unknown_batch_says_so(tmp_path: Path) -> None:
    settings = offline_settings(tmp_path)
    delivery = open_delivery(settings.delivery, settings.database_url)
    try:
        with pytest.raises(Exception, match="batch 'batch-nope' not found at sqlite:"):
            await plan_batch(None, settings, delivery, resume="batch-nope")
    finally:
        await delivery.aclose()


def test_summary_per_agent_and_model_with_a_t_interval() -> None:
    def rec(agent: str, score: float | None, ok: bool, status: str = "completed") -> RunRecord:
        return RunRecord(agent, None, "r", status, ok, score, 0.01, 2000, "delivered")

    rows = summarise(
        [
            rec("a", 6.0, True),
            rec("a", 8.0, True),
            rec("a", None, False, "failed"),
            rec("b", 5.0, False),
        ]
    )
    a, b = rows
    assert (a.agent, a.runs, a.failed) == ("a", 3, 1)
    assert a.success_rate == pytest.approx(2 / 3)
    assert a.mean_weighted == pytest.approx(7.0)
    # sd = sqrt(2), n = 2, t(0.975, 1) = 12.706: 12.706 * sqrt(2) / sqrt(2)
    assert a.ci95 == pytest.approx(12.706)
    assert a.cost_usd == pytest.approx(0.03) and a.median_duration_s == pytest.approx(2.0)
    assert b.ci95 is None
