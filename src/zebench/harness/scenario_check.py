"""``zebench validate --run``: prove a scenario can be won and cannot be won by doing nothing.

Each scenario runs twice without an agent, in workspaces (and sandboxes) of its own: on
the untouched fixture (its validation commands and checks twice, to find flaky tests)
and with its reference solution (``reference_path``) copied over the fixture. Findings:

- info: what already passes on the fixture (guards: they earn nothing);
- error: a check, validation command or test the reference solution fails (the
  scenario cannot be won), or nothing failing on the fixture (nothing to win);
- warning: flaky tests, no reference solution, commands that could not run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from zebench.agents.reference import apply_solution
from zebench.config import Settings
from zebench.evaluators.base import CheckSite, template_variables
from zebench.evaluators.observation import Observation, flaky_tests, observe, observe_fixture
from zebench.harness.isolation import sandbox_config
from zebench.harness.workspace import create_workspace, remove_workspace
from zebench.sandbox import Sandbox, require_provider, using_sandbox
from zebench.suites.loader import LoadedScenario
from zebench.workspace.commands import CommandResult

Level = Literal["info", "warning", "error"]
_NAMES_SHOWN = 8


@dataclass(frozen=True)
class Finding:
    level: Level
    message: str


@dataclass
class ScenarioCheck:
    scenario: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: Level, message: str) -> None:
        self.findings.append(Finding(level, message))

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.level == "error")


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown + (f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else "")


def _states(seen: Observation) -> dict[str, tuple[bool | None, str]]:
    """Name -> (passed, why) of every validation command and check."""
    states = {
        f"validation.{step}": (r.passed, r.error or f"exit {r.exit_code}")
        for step, r in seen.validation.items()
    }
    for c in seen.checks:
        states[f"{c.kind} check {c.name!r}"] = (c.passed, c.message)
    return states


async def _look(
    loaded: LoadedScenario, settings: Settings, label: str, solution: Path | None
) -> tuple[Observation, Observation | None]:
    """The fixture observed (after its baseline commands); a second look at the same state
    when ``solution`` is None (for flakiness), else None."""
    root = settings.harness.workspaces_dir
    workspace = await asyncio.to_thread(
        create_workspace, root, f"validate-{loaded.suite}-{loaded.id}-{label}", loaded.fixture_dir
    )
    sandbox: Sandbox | None = None
    try:
        if solution is not None:
            await asyncio.to_thread(apply_solution, solution, workspace)
        # The scenario's commands run contained, as in a real run.
        config = sandbox_config(settings, loaded)
        sandbox = await require_provider(config).start(workspace, config)
        variables = template_variables(loaded, workspace, "", "validate", None)
        site = CheckSite(loaded, workspace, settings, variables)
        baseline: list[CommandResult] = []
        with using_sandbox(sandbox):
            first = await observe_fixture(site, baseline)
            second = await observe(site, f"{label}-again") if solution is None else None
        return first, second
    finally:
        if sandbox is not None:
            await sandbox.cleanup()
        await asyncio.to_thread(remove_workspace, workspace)


def _fixture_findings(check: ScenarioCheck, fixture: Observation, again: Observation) -> None:
    states = {name: passed for name, (passed, _) in _states(fixture).items()}
    guards = [name for name, passed in states.items() if passed]
    if guards:
        check.add("info", f"already pass on the fixture (guards, earn nothing): {_names(guards)}")
    unmeasured = [name for name, passed in states.items() if passed is None]
    if unmeasured:
        check.add("warning", f"could not run (a missing program?): {_names(unmeasured)}")
    if fixture.tests is not None:
        passing = sorted(fixture.tests.ids("passed"))
        if passing:
            check.add("info", f"{len(passing)} test(s) already pass on the fixture (guards)")
        reports = [r for r in (fixture.tests, again.tests, *fixture.samples) if r is not None]
        flaky = sorted(flaky_tests(reports))
        if flaky:
            check.add(
                "warning", f"flaky test(s), passing and failing on the fixture: {_names(flaky)}"
            )
    failing_tests = fixture.tests is not None and bool(fixture.tests.ids("failed"))
    if not failing_tests and not any(passed is False for passed in states.values()):
        check.add(
            "error",
            "nothing fails on the untouched fixture: there is nothing for an agent to do",
        )


def _reference_findings(check: ScenarioCheck, solved: Observation) -> None:
    failing = [
        f"{name} ({why})" for name, (passed, why) in _states(solved).items() if passed is False
    ]
    if failing:
        check.add("error", f"the reference solution fails: {_names(failing)}")
    if solved.tests is not None:
        tests = sorted(solved.tests.ids("failed"))
        if tests:
            check.add("error", f"the reference solution fails test(s): {_names(tests)}")
    if not failing and check.errors == 0:
        check.add("info", "the reference solution passes every check and validation command")


async def check_scenario(loaded: LoadedScenario, settings: Settings) -> ScenarioCheck:
    check = ScenarioCheck(f"{loaded.suite}/{loaded.id}")
    if loaded.fixture_dir is None:
        check.add("info", "no repository fixture (an artifact scenario): nothing to run")
        return check
    fixture, again = await _look(loaded, settings, "fixture", None)
    assert again is not None
    _fixture_findings(check, fixture, again)
    if loaded.reference_dir is None:
        check.add("warning", "no reference_path: nothing proves the scenario can be won")
        return check
    solved, _ = await _look(loaded, settings, "reference", loaded.reference_dir)
    _reference_findings(check, solved)
    return check
