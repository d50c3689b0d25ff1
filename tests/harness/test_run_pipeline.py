"""One run end to end, in process: every outcome, failures included, becomes a result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness_support import (
    REFERENCE_SUITES,
    CrashingAgent,
    SleepingAgent,
    WritingAgent,
    make_scenario,
    offline_settings,
    path_without,
)
from zebench.agents.echo import EchoAgent
from zebench.agents.reference import ReferenceAgent
from zebench.config import Settings
from zebench.evaluators import default_evaluators
from zebench.evaluators.base import Metric, RunContext
from zebench.harness.matrix import RunSpec
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import execute_run
from zebench.suites import EXAMPLE_SUITES_DIR, UnknownName, load_scenario

EXAMPLE = EXAMPLE_SUITES_DIR / "example"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return offline_settings(tmp_path / "home")  # type: ignore[no-any-return]


def _workspaces(settings: Settings) -> list[Path]:
    root = settings.harness.workspaces_dir
    return list(root.iterdir()) if root.exists() else []


async def test_reference_solves_the_example_and_echo_does_not(settings: Settings) -> None:
    loaded = load_scenario(EXAMPLE, "fix-slugify")
    spec = RunSpec("example", "fix-slugify", "L1", "reference", None)
    solved = await execute_run(
        spec, loaded, ReferenceAgent(), default_evaluators(), settings, RunOptions("b1")
    )
    result = solved.result
    assert result.status == "completed" and result.is_successful
    assert result.batch_id == "b1"
    assert result.weighted_score == pytest.approx(10.0)
    evaluations = {e.evaluator_name: e for e in result.evaluations}
    assert set(evaluations) == {"tests_nonregression", "heuristic_checks", "validation_commands"}
    checks = json.loads(evaluations["heuristic_checks"].details or "{}")["items"]
    assert all(c["after"] == "passed" for c in checks), checks
    states = {c["name"]: c["state"] for c in checks}
    assert states["tests_pass"] == "progress" and states["tests_kept"] == "guard"
    assert result.metadata is not None
    assert result.metadata["filesChanged"]["modified"] == ["textkit/slug.py"]
    assert result.metadata["validation"]["test"]["exitCode"] == 0
    assert result.metadata["validation"]["build"]["exitCode"] == 0
    assert result.metadata["baseline"][0]["exitCode"] == 1  # the tests fail before the agent
    assert result.telemetry is not None
    assert result.telemetry.prompt_sent == loaded.prompt("L1")
    assert solved.command_ms > 0 and solved.wall_ms >= solved.command_ms

    echo = await execute_run(
        RunSpec("example", "fix-slugify", "L1", "echo", None),
        loaded,
        EchoAgent(),
        default_evaluators(),
        settings,
        RunOptions(),
    )
    assert echo.result.status == "completed" and not echo.result.is_successful
    assert echo.result.weighted_score == 0.0 and echo.result.success_metric == 0.0
    assert echo.result.metadata is not None
    assert echo.result.metadata["filesChanged"] == {"added": [], "modified": [], "deleted": []}
    assert isinstance(echo.result.transcript, dict)
    assert echo.result.transcript["messages"][0]["content"] == loaded.prompt("L1")
    assert _workspaces(settings) == []  # both workspaces were cleaned up


async def test_an_agent_that_raises_gives_a_failed_run(settings: Settings) -> None:
    loaded = load_scenario(EXAMPLE, "fix-slugify")
    outcome = await execute_run(
        RunSpec("example", "fix-slugify", "L0", "crasher", None),
        loaded,
        CrashingAgent(),
        default_evaluators(),
        settings,
        RunOptions(),
    )
    result = outcome.result
    assert result.status == "failed" and not result.is_successful
    assert result.metadata is not None
    assert result.metadata["errorType"] == "agent"
    assert "RuntimeError: the model endpoint exploded" in result.metadata["error"]
    assert result.metadata["baseline"][0]["exitCode"] == 1  # what ran before is kept
    assert result.weighted_score is None
    assert _workspaces(settings) == []


async def test_an_agent_past_its_time_limit_is_stopped_and_stored_as_timeout(
    settings: Settings,
) -> None:
    loaded = load_scenario(EXAMPLE, "release-notes")
    agent = SleepingAgent()
    outcome = await execute_run(
        RunSpec("example", "release-notes", "L0", "sleeper", None),
        loaded,
        agent,
        default_evaluators(),
        settings,
        RunOptions(timeout_s=0.3),
    )
    assert agent.cancelled
    assert outcome.result.status == "failed"
    assert outcome.result.metadata is not None
    assert outcome.result.metadata["errorType"] == "timeout"
    assert "within 0.3 s" in outcome.result.metadata["error"]
    assert outcome.result.telemetry is not None
    assert outcome.result.telemetry.duration_ms is not None
    assert outcome.result.telemetry.duration_ms >= 300


async def test_a_missing_fixture_is_a_workspace_failure(tmp_path: Path, settings: Settings) -> None:
    suite = make_scenario(tmp_path, {}, {"a.txt": "a"})
    (suite / "scenarios" / "x" / "repo-fixture" / "a.txt").unlink()
    (suite / "scenarios" / "x" / "repo-fixture").rmdir()
    outcome = await execute_run(
        RunSpec("s", "x", "L1", "echo", None),
        load_scenario(suite, "x"),
        EchoAgent(),
        default_evaluators(),
        settings,
        RunOptions(),
    )
    assert outcome.result.status == "failed"
    assert outcome.result.metadata is not None
    assert outcome.result.metadata["errorType"] == "workspace"
    assert "no repo-fixture/ or repo/" in outcome.result.metadata["error"]


class BrokenEvaluator:
    name = "broken"

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        raise KeyError("details")


async def test_an_evaluator_that_breaks_gives_an_evaluation_failure(
    tmp_path: Path, settings: Settings
) -> None:
    suite = make_scenario(
        tmp_path, {"heuristic_checks": {"files": [{"name": "a", "path": "b.txt"}]}}, {"a.txt": "a"}
    )
    outcome = await execute_run(
        RunSpec("s", "x", "L1", "writer", None),
        load_scenario(suite, "x"),
        WritingAgent({"b.txt": "b"}),
        [*default_evaluators(), BrokenEvaluator()],
        settings,
        RunOptions(keep_workspace=True),
    )
    result = outcome.result
    assert result.status == "failed"
    assert result.metadata is not None
    assert result.metadata["errorType"] == "evaluation"
    assert "evaluator 'broken' failed: KeyError" in result.metadata["error"]
    assert [e.evaluator_name for e in result.evaluations] == ["heuristic_checks"]
    assert outcome.kept_workspace is not None and (outcome.kept_workspace / "b.txt").exists()
    assert result.telemetry is not None
    assert (result.telemetry.tokens_in, result.telemetry.tool_calls) == (120, 2)
    assert result.telemetry.cost_usd == pytest.approx(0.002)


async def test_an_unknown_tier_is_refused_before_anything_runs(settings: Settings) -> None:
    with pytest.raises(UnknownName, match="tiers: L0, L1"):
        await execute_run(
            RunSpec("example", "release-notes", "L2", "echo", None),
            load_scenario(EXAMPLE, "release-notes"),
            EchoAgent(),
            default_evaluators(),
            settings,
            RunOptions(),
        )


async def test_the_original_suite_runs_with_echo_and_reports_missing_pnpm(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pnpm missing whether or not the host has it installed.
    monkeypatch.setenv("PATH", path_without(tmp_path, "pnpm"))
    loaded = load_scenario(REFERENCE_SUITES / "update-deps", "nx-pnpm-monorepo")
    outcome = await execute_run(
        RunSpec("update-deps", "nx-pnpm-monorepo", "L1", "echo", None),
        loaded,
        EchoAgent(),
        default_evaluators(),
        settings,
        RunOptions(),
    )
    result = outcome.result
    assert result.status == "completed"
    assert result.metadata is not None
    validation = result.metadata["validation"]
    assert list(validation) == ["install", "test", "lint", "typecheck"]  # all that are defined
    assert validation["install"]["exitCode"] == 127
    assert "pnpm: not found" in validation["install"]["outputTail"]
    evaluations = {e.evaluator_name: e for e in result.evaluations}
    # Install and tests could not run before or after: recorded, but without weight.
    for name in ("install_success", "tests_nonregression", "validation_commands"):
        assert evaluations[name].max_score == 0.0, name
    assert "could not run" in (evaluations["tests_nonregression"].details or "")
    assert evaluations["manager_correctness"].score == 1.0  # a guard kept
    assert result.metadata["weights"].keys() == {"heuristic_checks", "manager_correctness"}
    assert result.weighted_score == 0.0 and not result.is_successful
