"""The ``heuristic_checks`` metric: the scenario's checks, before and after the agent.

A check that fails on the untouched fixture and passes afterwards is progress and
earns its weight; one that already passed is a guard (nothing to earn, its weight
lost if the agent breaks it). A command check that runs the scenario's test command
passes afterwards only if no test the fixture had was removed or disabled: deleting
the failing tests does not make "the tests pass".
"""

from __future__ import annotations

from typing import Any

from zebench.evaluators.base import Metric, RunContext
from zebench.evaluators.observation import CheckResult, Observation
from zebench.evaluators.progress import Item, metric_from, state_of, word
from zebench.evaluators.tests import weakened_ids
from zebench.workspace.commands import find_command


class HeuristicChecks:
    name = "heuristic_checks"

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        spec = ctx.loaded.scenario.heuristic_checks
        if not spec.enabled or spec.count() == 0 or ctx.before is None or ctx.after is None:
            return []
        items = compare_checks(ctx.before, ctx.after)
        absolute = _absolute(ctx.after.checks)
        metric = metric_from(self.name, items, {"absolute": absolute})
        if all(item.weight <= 0 for item in items):
            return [Metric(self.name, None, metric.details, "every check has weight 0")]
        return [metric]


def _absolute(checks: list[CheckResult]) -> dict[str, Any]:
    """The old, absolute figure: passed weight over total weight after the agent."""
    total = sum(c.weight for c in checks)
    passed = sum(c.weight for c in checks if c.passed)
    return {
        "passedWeight": passed,
        "totalWeight": total,
        "passed": sum(1 for c in checks if c.passed),
        "total": len(checks),
    }


def compare_checks(before: Observation, after: Observation) -> list[Item]:
    """One item per check, in the scenario's order."""
    weakened = weakened_ids(before.tests, after.tests)
    test_run = after.validation.get("test")
    items: list[Item] = []
    for check in after.checks:
        earlier = before.check(check.kind, check.name)
        was = earlier.passed if earlier is not None else None
        now, message = check.passed, check.message
        runs_tests = (
            check.command is not None
            and test_run is not None
            and find_command([test_run], check.command) is not None
        )
        if now and runs_tests and weakened:
            now = False
            message = f"tests weakened: {len(weakened)} test(s) of the fixture removed or disabled"
        items.append(
            Item(
                check.kind,
                check.name,
                check.weight,
                state_of(was, now),
                word(was),
                word(now),
                message,
                check.output_tail if not now else "",
            )
        )
    return items
