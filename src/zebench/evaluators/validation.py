"""Metrics from the validation commands: install_success, tests_nonregression,
manager_correctness. Each is evaluated only where the scenario makes it meaningful."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from zebench.evaluators.base import Metric, RunContext
from zebench.harness.commands import CommandResult, find_command

LOCKFILES = {
    "package-lock.json": "npm",
    "npm-shrinkwrap.json": "npm",
    "pnpm-lock.yaml": "pnpm",
    "yarn.lock": "yarn",
    "bun.lockb": "bun",
    "bun.lock": "bun",
    "uv.lock": "uv",
    "poetry.lock": "poetry",
    "Pipfile.lock": "pipenv",
    "pdm.lock": "pdm",
}
MANAGER_COMMANDS = {
    "npm": "npm",
    "npx": "npm",
    "pnpm": "pnpm",
    "pnpx": "pnpm",
    "yarn": "yarn",
    "bun": "bun",
    "bunx": "bun",
    "pip": "pip",
    "pip3": "pip",
    "uv": "uv",
    "poetry": "poetry",
    "pipenv": "pipenv",
    "pdm": "pdm",
}
_FAILED = re.compile(r"(\d+)\s+(?:failed|failing)", re.IGNORECASE)
_PASSED = re.compile(r"(\d+)\s+(?:passed|passing)", re.IGNORECASE)


class ValidationMetrics:
    name = "validation"

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        metrics = []
        install = ctx.validation.get("install")
        if install is not None:
            metrics.append(
                Metric("install_success", 1.0 if install.ok else 0.0, _command_details(install))
            )
        test = ctx.validation.get("test")
        if test is not None:
            metrics.append(tests_nonregression(test, find_command(ctx.baseline, test.command)))
        allowed = ctx.loaded.scenario.managers_allowed()
        if allowed:
            metrics.append(manager_correctness(ctx, allowed))
        return metrics


def _command_details(result: CommandResult) -> dict[str, Any]:
    return {
        "command": result.command,
        "exitCode": result.exit_code,
        "durationMs": result.duration_ms,
        "error": result.error,
    }


def failure_count(output: str) -> int | None:
    """The last "N failed" a test runner printed (pytest, jest, mocha, vitest), if any."""
    found = _FAILED.findall(output)
    if found:
        return int(found[-1])
    return 0 if _PASSED.search(output) else None


def could_not_run(result: CommandResult) -> bool:
    """The shell could not find or execute the program (or it never started)."""
    return result.exit_code in (126, 127) or (result.exit_code is None and not result.timed_out)


def _last_line(result: CommandResult) -> str:
    lines = [line for line in result.output_tail.splitlines() if line.strip()]
    return result.error or (lines[-1].strip() if lines else f"exit {result.exit_code}")


def tests_nonregression(test: CommandResult, baseline: CommandResult | None) -> Metric:
    """1 when the tests pass, or fail no more than they did before the agent ran.

    Failing tests score 0 when they passed before or when there is no baseline
    run of the same command. When the result cannot be told (the test command
    could not run at all, or failed before and after without reporting counts)
    the metric is not scored.
    """
    name = "tests_nonregression"
    details: dict[str, Any] = {"test": _command_details(test)}
    if test.ok:
        return Metric(name, 1.0, details)
    if could_not_run(test):
        return Metric(name, None, details, f"the test command could not run: {_last_line(test)}")
    if baseline is None or could_not_run(baseline):
        details["reason"] = "tests fail and there is no baseline run of them to compare with"
        return Metric(name, 0.0, details)
    details["baseline"] = _command_details(baseline)
    if baseline.ok:
        details["reason"] = "tests passed before the agent ran and fail now"
        return Metric(name, 0.0, details)
    before, after = failure_count(baseline.output_tail), failure_count(test.output_tail)
    details["failuresBefore"], details["failuresAfter"] = before, after
    if before is None or after is None:
        return Metric(
            name, None, details, "tests failed before and after, with no failure counts to compare"
        )
    better = after <= before
    details["reason"] = (
        "no more failures than the baseline" if better else "more failures than the baseline"
    )
    return Metric(name, 1.0 if better else 0.0, details)


def _commands_in(value: Any) -> Iterator[str]:
    """Every ``command``/``cmd`` string in a transcript entry, however the agent nested it."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("command", "cmd") and isinstance(item, str):
                yield item
            else:
                yield from _commands_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _commands_in(item)


def _managers_used(command: str) -> set[str]:
    used = set()
    for part in re.split(r"&&|\|\||;|\|", command):
        words = part.strip().split()
        while words and "=" in words[0]:  # leading VAR=value assignments
            words = words[1:]
        if words:
            program = words[0].rsplit("/", 1)[-1]
            if program in MANAGER_COMMANDS:
                used.add(MANAGER_COMMANDS[program])
    return used


def manager_correctness(ctx: RunContext, allowed: list[str]) -> Metric:
    """0 when the agent used, or left the lockfile of, a package manager not allowed."""
    allowed_set = {m.lower() for m in allowed}
    violations: list[str] = []
    for rel in ctx.diff.added:
        manager = LOCKFILES.get(rel.rsplit("/", 1)[-1])
        if manager is not None and manager not in allowed_set:
            violations.append(f"added {rel} ({manager})")
    for command in _commands_in(ctx.agent_result.transcript):
        for manager in sorted(_managers_used(command) - allowed_set):
            # pip is how any Python tool gets installed; only flag it when Python
            # managers are what the scenario constrains.
            if manager == "pip" and not allowed_set & {"uv", "poetry", "pipenv", "pdm", "pip"}:
                continue
            violations.append(f"ran {command.strip()[:120]!r} ({manager})")
    details = {"allowed": allowed, "violations": violations}
    return Metric("manager_correctness", 0.0 if violations else 1.0, details)
