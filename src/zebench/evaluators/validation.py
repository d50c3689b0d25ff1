"""Metrics from the validation commands: install_success, tests_nonregression,
validation_commands, manager_correctness. Each is evaluated only where the scenario
makes it meaningful."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from zebench.evaluators.base import Metric, RunContext
from zebench.evaluators.observation import flaky_tests
from zebench.evaluators.progress import Item, metric_from, state_of, word
from zebench.evaluators.tests import score_tests
from zebench.workspace.commands import CommandResult

OTHER_STEPS = ("lint", "typecheck", "build")

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


class ValidationMetrics:
    """install_success, tests_nonregression and validation_commands (lint, typecheck,
    build), each before and after the agent; manager_correctness, which only guards."""

    name = "validation"

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        metrics: list[Metric] = []
        before, after = ctx.before, ctx.after
        if before is not None and after is not None:
            install = after.validation.get("install")
            if install is not None:
                item = _command_item(before.validation.get("install"), install, "install")
                metrics.append(metric_from("install_success", [item]))
            samples = [r for r in (before.tests, *before.samples) if r is not None]
            tests = score_tests(before, after, flaky_tests(samples))
            if tests is not None:
                metrics.append(tests)
            others = [
                _command_item(before.validation.get(step), result, step)
                for step, result in after.validation.items()
                if step in OTHER_STEPS
            ]
            if others:
                metrics.append(metric_from("validation_commands", others))
        allowed = ctx.loaded.scenario.managers_allowed()
        if allowed:
            metrics.append(manager_correctness(ctx, allowed))
        return metrics


def _command_item(before: CommandResult | None, after: CommandResult, step: str) -> Item:
    was = before.passed if before is not None else None
    return Item(
        "validation",
        step,
        1.0,
        state_of(was, after.passed),
        word(was),
        word(after.passed),
        after.error or f"exit {after.exit_code}",
        after.output_tail[-1000:] if not after.ok else "",
    )


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
    """A guard only: nothing to earn, its weight lost when the agent used, or left the
    lockfile of, a package manager not allowed."""
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
    item = Item(
        "constraint",
        "package managers",
        1.0,
        "regression" if violations else "guard",
        "passed",
        "failed" if violations else "passed",
        "; ".join(violations[:5]) or f"only {', '.join(allowed)}",
    )
    return metric_from(
        "manager_correctness",
        [item],
        {"allowed": allowed, "violations": violations, "absolute": {"passed": not violations}},
    )
