"""manager_correctness: a guard on the package managers the agent may use."""

from __future__ import annotations

from pathlib import Path

from harness_support import make_context
from zebench.evaluators.validation import ValidationMetrics
from zebench.workspace.commands import CommandResult


def _cmd(exit_code: int | None, output: str = "", command: str = "pnpm test") -> CommandResult:
    return CommandResult("test", command, exit_code, 10, output)


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
    # Without observations before and after, only the guard on managers applies.
    [manager] = await ValidationMetrics().evaluate(ctx)
    assert manager.name == "manager_correctness"
    assert manager.score is None and manager.loss == 1.0  # nothing to earn, all to lose
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
    assert manager.name == "manager_correctness" and manager.score is None
    assert manager.loss == 0.0 and manager.details["items"][0]["state"] == "guard"
