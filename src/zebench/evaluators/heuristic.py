"""The ``heuristic_checks`` metric: passed weight over total weight of the scenario's checks."""

from __future__ import annotations

from typing import Any

from zebench.evaluators.base import Metric, RunContext
from zebench.evaluators.checks import (
    CheckOutcome,
    check_command,
    check_file,
    check_pattern,
    check_script,
    check_structured,
)
from zebench.evaluators.globs import WorkspaceFiles


class HeuristicChecks:
    name = "heuristic_checks"

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        spec = ctx.loaded.scenario.heuristic_checks
        if not spec.enabled or spec.count() == 0:
            return []
        outcomes: list[tuple[str, str, float, CheckOutcome]] = []
        for c in spec.commands:
            outcomes.append(("command", c.name, c.weight, await check_command(ctx, c)))
        # After the commands, which may still change the workspace; scripts run last.
        files = WorkspaceFiles(ctx.workspace)
        for f in spec.files:
            outcomes.append(("file", f.name, f.weight, check_file(ctx, f, files)))
        for p in spec.patterns:
            outcomes.append(("pattern", p.name, p.weight, check_pattern(ctx, p, files)))
        for st in spec.structured:
            outcomes.append(("structured", st.name, st.weight, check_structured(ctx, st)))
        for sc in spec.scripts:
            outcomes.append(("script", sc.name, sc.weight, await check_script(ctx, sc)))

        total = sum(weight for _, _, weight, _ in outcomes)
        passed = sum(weight for _, _, weight, outcome in outcomes if outcome.passed)
        checks: list[dict[str, Any]] = []
        for kind, name, weight, outcome in outcomes:
            entry: dict[str, Any] = {
                "name": name,
                "kind": kind,
                "weight": weight,
                "passed": outcome.passed,
                "message": outcome.message,
            }
            if outcome.command is not None and not outcome.passed:
                entry["outputTail"] = outcome.command.output_tail[-1000:]
            checks.append(entry)
        details = {"passedWeight": passed, "totalWeight": total, "checks": checks}
        if total <= 0:
            return [Metric(self.name, None, details, "every check has weight 0")]
        return [Metric(self.name, passed / total, details)]
