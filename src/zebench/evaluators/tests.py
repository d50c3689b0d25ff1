"""The ``tests_nonregression`` metric: the test command, test by test, before and after.

With a JUnit report on both sides, the score is the share of the tests failing on
the fixture whose same test id passes afterwards; a passing test that now fails is
a regression and costs; a test the fixture had that is missing, skipped or xfailed
afterwards is "weakened": it earns nothing, costs when it passed before, and the
run cannot be successful. Tests that were inconsistent on the fixture (flaky) are
left out. Without a report before the agent ran, the command's exit status is the
one item.
"""

from __future__ import annotations

from typing import Any

from zebench.evaluators.base import Metric
from zebench.evaluators.observation import Observation
from zebench.evaluators.progress import Item, compare_tests, metric_from, state_of, word
from zebench.workspace.commands import CommandResult
from zebench.workspace.junit import JUnitReport

NAME = "tests_nonregression"


def weakened_ids(before: JUnitReport | None, after: JUnitReport | None) -> set[str]:
    """Tests run on the fixture (not skipped there) that are absent or skipped afterwards."""
    if before is None:
        return set()
    now = after or JUnitReport()
    return {
        test_id
        for test_id, case in before.tests.items()
        if case.status != "skipped" and now.status(test_id) in (None, "skipped")
    }


def _exit_item(before: CommandResult | None, after: CommandResult) -> Item:
    was = before.passed if before is not None else None
    message = after.error or f"exit {after.exit_code}"
    tail = after.output_tail[-1000:] if not after.ok else ""
    return Item(
        "validation", "test", 1.0, state_of(was, after.passed), word(was), word(after.passed),
        message, tail,
    )  # fmt: skip


def _absolute(report: JUnitReport | None, result: CommandResult) -> dict[str, Any]:
    figures: dict[str, Any] = {"exitCode": result.exit_code}
    if report is not None:
        figures["passed"] = len(report.ids("passed"))
        figures["failed"] = len(report.ids("failed"))
        figures["skipped"] = len(report.ids("skipped"))
        figures["total"] = len(report.tests)
    return figures


def score_tests(before: Observation, after: Observation, flaky: set[str]) -> Metric | None:
    """None when the scenario has no test command."""
    result = after.validation.get("test")
    if result is None:
        return None
    extra: dict[str, Any] = {
        "command": result.command,
        "absolute": _absolute(after.tests, result),
        "flaky": sorted(flaky),
    }
    items: list[Item] = []
    if before.tests is not None and before.tests.tests:
        items = compare_tests(before.tests, after.tests or JUnitReport(), flaky)
        extra["perTest"] = True
        if after.tests is None:
            extra["reportError"] = f"no test report after the agent ran: {after.test_report_error}"
    if not items:
        items = [_exit_item(before.validation.get("test"), result)]
        extra["perTest"] = False
        if before.test_report_error:
            extra["reportError"] = before.test_report_error
    weakened = sorted(weakened_ids(before.tests, after.tests) - flaky)
    if weakened:
        extra["weakened"] = weakened[:200]
    return metric_from(NAME, items, extra)
