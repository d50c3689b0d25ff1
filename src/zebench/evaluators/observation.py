"""One look at a workspace: every validation command, the tests one by one, every check.

The harness takes this look twice, on the untouched fixture before the agent acts
and again afterwards, and the evaluators score the difference
(``zebench.evaluators.progress``). Commands go through ``run_command``, the one way
scenario commands are run.

Per-test outcomes come from a JUnit XML report: pytest is asked for one through
``PYTEST_ADDOPTS`` (so any pytest the test command starts writes it), other runners
through the scenario's ``validation.test_report`` file. The pytest report is
written inside the workspace (where a sandboxed command may write) under
``.zebench/``, which the workspace diff ignores, and removed once read.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from typing import Any

from zebench.evaluators.base import CheckSite
from zebench.evaluators.checks import (
    CheckOutcome,
    check_command,
    check_file,
    check_pattern,
    check_script,
    check_structured,
)
from zebench.evaluators.globs import WorkspaceFiles
from zebench.workspace.commands import CommandResult, command_env, run_command
from zebench.workspace.junit import JUnitReport, ReportError, read_report

REPORT_DIR = ".zebench"


@dataclass(frozen=True)
class CheckResult:
    kind: str
    name: str
    weight: float
    passed: bool | None
    """None when its command could not run at all (a missing program)."""
    message: str
    command: str | None = None
    output_tail: str = ""


@dataclass(frozen=True)
class ReportedRun:
    result: CommandResult
    report: JUnitReport | None
    report_error: str | None = None


@dataclass
class Observation:
    validation: dict[str, CommandResult] = field(default_factory=dict)
    tests: JUnitReport | None = None
    """Per-test outcomes of the ``test`` step, when its runner wrote a report."""
    test_report_error: str | None = None
    checks: list[CheckResult] = field(default_factory=list)
    samples: list[JUnitReport] = field(default_factory=list)
    """Other reports of the same test command on the same workspace state (flakiness)."""

    def check(self, kind: str, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.kind == kind and c.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "validation": {step: c.to_json() for step, c in self.validation.items()},
            "tests": (
                {tid: case.status for tid, case in self.tests.tests.items()}
                if self.tests is not None
                else None
            ),
            "testReportError": self.test_report_error,
            "checks": [
                {"kind": c.kind, "name": c.name, "passed": c.passed, "message": c.message}
                for c in self.checks
            ],
        }


def flaky_tests(reports: list[JUnitReport]) -> set[str]:
    """Test ids with different outcomes in reports of the same workspace state."""
    seen: dict[str, set[str]] = {}
    for report in reports:
        for test_id, case in report.tests.items():
            seen.setdefault(test_id, set()).add(case.status)
    return {test_id for test_id, statuses in seen.items() if len(statuses) > 1}


async def run_tests(site: CheckSite, command: str, name: str) -> ReportedRun:
    """Run the test command asking for a JUnit report; the report, or why there is none."""
    configured = site.loaded.scenario.validation.test_report
    extra: dict[str, str] = {}
    if configured is not None:
        path = site.workspace / configured
    else:
        path = site.workspace / REPORT_DIR / f"{name.replace('/', '_')}.xml"
        addopts = os.environ.get("PYTEST_ADDOPTS", "")
        extra["PYTEST_ADDOPTS"] = f"{addopts} --junitxml={path}".strip()
    # A stale report (an earlier run's, or one the agent left) must never be read.
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = await run_command(
        command,
        cwd=site.workspace,
        timeout_s=site.settings.harness.command_timeout_s,
        name=name,
        tail_chars=site.settings.harness.output_tail_chars,
        env=command_env(extra),
    )
    try:
        return ReportedRun(result, read_report(path))
    except ReportError as exc:
        return ReportedRun(result, None, str(exc))
    finally:
        if configured is None:
            shutil.rmtree(site.workspace / REPORT_DIR, ignore_errors=True)


async def observe(site: CheckSite, label: str) -> Observation:
    """Run every validation command and every heuristic check on ``site.workspace``.

    ``label`` ("before", "after") names the commands' results. Validation runs first,
    so that an identical command check reuses its result instead of running twice.
    """
    scenario = site.loaded.scenario
    seen = Observation()
    for step, command in scenario.validation.commands.defined():
        if step == "test":
            run = await run_tests(site, command, f"{label}-{step}")
            seen.validation[step] = run.result
            seen.tests, seen.test_report_error = run.report, run.report_error
        else:
            seen.validation[step] = await _command(site, command, f"{label}-{step}")
    if scenario.heuristic_checks.enabled:
        with_results = CheckSite(
            site.loaded, site.workspace, site.settings, site.variables, seen.validation
        )
        seen.checks = await run_checks(with_results)
    return seen


async def observe_fixture(site: CheckSite, results: list[CommandResult]) -> Observation:
    """The scenario's baseline commands (their results appended to ``results``), then
    ``observe`` on the untouched fixture. A baseline command that is the test command
    also reports its tests: a test that passes in one run and fails in the other is
    flaky."""
    test_command = site.loaded.scenario.validation.commands.test
    samples: list[JUnitReport] = []
    for i, baseline in enumerate(site.loaded.scenario.baseline.run):
        name = f"baseline[{i}]"
        if test_command and baseline.cmd.strip() == test_command.strip():
            run = await run_tests(site, baseline.cmd, name)
            results.append(run.result)
            if run.report is not None:
                samples.append(run.report)
        else:
            results.append(await _command(site, baseline.cmd, name))
    before = await observe(site, "before")
    before.samples = samples
    return before


async def _command(site: CheckSite, command: str, name: str) -> CommandResult:
    return await run_command(
        command,
        cwd=site.workspace,
        timeout_s=site.settings.harness.command_timeout_s,
        name=name,
        tail_chars=site.settings.harness.output_tail_chars,
    )


def _result(kind: str, name: str, weight: float, outcome: CheckOutcome) -> CheckResult:
    command = outcome.command
    if command is None:
        return CheckResult(kind, name, weight, outcome.passed, outcome.message)
    return CheckResult(
        kind,
        name,
        weight,
        command.passed,
        outcome.message,
        command.command,
        command.output_tail[-1000:],
    )


async def run_checks(site: CheckSite) -> list[CheckResult]:
    spec = site.loaded.scenario.heuristic_checks
    results = [
        _result("command", c.name, c.weight, await check_command(site, c)) for c in spec.commands
    ]
    # After the commands, which may still change the workspace; scripts run last.
    files = WorkspaceFiles(site.workspace)
    results += [_result("file", f.name, f.weight, check_file(site, f, files)) for f in spec.files]
    results += [
        _result("pattern", p.name, p.weight, check_pattern(site, p, files)) for p in spec.patterns
    ]
    results += [
        _result("structured", s.name, s.weight, check_structured(site, s)) for s in spec.structured
    ]
    results += [
        _result("script", s.name, s.weight, await check_script(site, s)) for s in spec.scripts
    ]
    return results
