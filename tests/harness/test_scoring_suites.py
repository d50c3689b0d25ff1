"""On the shipped example suite and the two original suites: doing nothing scores at most
0.5/10 and is never successful; the reference solution scores 10 and is."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness_support import REFERENCE_SUITES, offline_settings
from zebench.agents.echo import EchoAgent
from zebench.agents.reference import ReferenceAgent
from zebench.evaluators import default_evaluators
from zebench.harness.matrix import RunSpec
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import execute_run
from zebench.suites import EXAMPLE_SUITES_DIR, load_scenario

SCENARIOS = [
    (EXAMPLE_SUITES_DIR / "example", "fix-slugify"),
    (EXAMPLE_SUITES_DIR / "example", "release-notes"),
    (REFERENCE_SUITES / "update-deps", "nx-pnpm-monorepo"),
    (REFERENCE_SUITES / "test-suite", "test-scenario"),
]


@pytest.mark.parametrize(("suite", "scenario"), SCENARIOS, ids=[s for _, s in SCENARIOS])
async def test_echo_earns_nothing_and_the_reference_everything(
    suite: Path, scenario: str, tmp_path: Path
) -> None:
    loaded = load_scenario(suite, scenario)
    settings = offline_settings(tmp_path / "home")
    results = {}
    for agent in (EchoAgent(), ReferenceAgent()):
        spec = RunSpec(suite.name, scenario, "L0", agent.name, None)
        outcome = await execute_run(
            spec, loaded, agent, default_evaluators(), settings, RunOptions()
        )
        results[agent.name] = outcome.result
    echo, reference = results["echo"], results["reference"]
    assert echo.status == "completed" and reference.status == "completed"
    assert echo.weighted_score is not None and echo.weighted_score <= 0.5
    assert not echo.is_successful
    assert reference.weighted_score == pytest.approx(10.0), reference.metadata
    assert reference.is_successful
