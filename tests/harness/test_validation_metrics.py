"""install_success, tests_nonregression (against the baseline), manager_correctness."""

from __future__ import annotations

from pathlib import Path

from harness_support import make_context
from zebench.evaluators import validation
from zebench.evaluators.validation import ValidationMetrics
from zebench.harness.commands import CommandResult

nonregression = validation.tests_nonregression  # (imported bare, pytest would collect it)

PYTEST_FAIL_3 = "...FFF\n3 failed, 3 passed in 0.03s\n"
PYTEST_FAIL_1 = ".....F\n1 failed, 5 passed in 0.03s\n"


def _cmd(exit_code: int | None, output: str = "", command: str = "pnpm test") -> CommandResult:
    return CommandResult("test", command, exit_code, 10, output)


def test_passing_tests_score_one() -> None:
    assert nonregression(_cmd(0), None).score == 1.0


def test_tests_that_passed_before_and_fail_now_score_zero() -> None:
    metric = nonregression(_cmd(1, PYTEST_FAIL_1), _cmd(0))
    assert metric.score == 0.0 and "passed before" in metric.details["reason"]


def test_failing_tests_are_compared_by_failure_count() -> None:
    assert nonregression(_cmd(1, PYTEST_FAIL_1), _cmd(1, PYTEST_FAIL_3)).score == 1.0
    assert nonregression(_cmd(1, PYTEST_FAIL_3), _cmd(1, PYTEST_FAIL_3)).score == 1.0
    worse = nonregression(_cmd(1, PYTEST_FAIL_3), _cmd(1, PYTEST_FAIL_1))
    assert worse.score == 0.0 and worse.details["failuresAfter"] == 3
    jest = "Tests:       2 failed, 8 passed, 10 total"
    assert nonregression(_cmd(1, jest), _cmd(1, PYTEST_FAIL_3)).score == 1.0


def test_failing_tests_without_a_baseline_score_zero() -> None:
    assert nonregression(_cmd(1, PYTEST_FAIL_1), None).score == 0.0


def test_unknowable_results_are_not_scored() -> None:
    missing = nonregression(_cmd(127, "sh: 1: pnpm: not found"), _cmd(127))
    assert (
        missing.score is None and missing.error is not None and "pnpm: not found" in missing.error
    )
    silent = nonregression(_cmd(1, "boom"), _cmd(1, "bang"))
    assert silent.score is None and "no failure counts" in (silent.error or "")


async def test_metrics_follow_what_the_scenario_defines(tmp_path: Path) -> None:
    scenario = {"constraints": {"managers_allowed": ["pnpm"]}}
    ctx = make_context(
        tmp_path,
        scenario,
        {"package.json": "{}"},
        workspace_files={"package-lock.json": "{}", "pnpm-lock.yaml": ""},
        transcript=[
            {
                "role": "assistant",
                "tool_calls": [
                    {"name": "runCommand", "arguments": {"command": "CI=1 npm install react"}},
                    {"name": "runCommand", "arguments": {"command": "pnpm -w -r test"}},
                ],
            },
        ],
        validation={"install": _cmd(0, command="pnpm install")},
    )
    metrics = {m.name: m for m in await ValidationMetrics().evaluate(ctx)}
    assert set(metrics) == {"install_success", "manager_correctness"}  # no test command ran
    assert metrics["install_success"].score == 1.0
    manager = metrics["manager_correctness"]
    assert manager.score == 0.0
    assert manager.details["violations"] == [
        "added package-lock.json (npm)",
        "ran 'CI=1 npm install react' (npm)",
    ]


async def test_the_right_manager_keeps_manager_correctness(tmp_path: Path) -> None:
    ctx = make_context(
        tmp_path,
        {"workspace": {"managers_allowed": ["pnpm"]}},
        {"package.json": "{}"},
        workspace_files={"pnpm-lock.yaml": ""},
        transcript=[
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "name": "runCommand",
                        "input": {"command": "pnpm add react@18.3.1 && pnpm test"},
                    }
                ],
            }
        ],
    )
    [manager] = await ValidationMetrics().evaluate(ctx)
    assert manager.name == "manager_correctness" and manager.score == 1.0
