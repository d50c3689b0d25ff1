"""Scores of whole runs on a real pytest repository: doing nothing earns nothing, the
reference earns 10, partial fixes land strictly between in the order of tests fixed,
and deleting or skipping the failing tests earns less than any partial fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness_support import WritingAgent, make_scenario, offline_settings
from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.echo import EchoAgent
from zebench.agents.reference import ReferenceAgent
from zebench.evaluators import default_evaluators
from zebench.harness.matrix import RunSpec
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import execute_run
from zebench.model.results import ResultIn
from zebench.suites import LoadedScenario, load_scenario

BUGS = {
    "add": ("return a - b", "return a + b"),
    "mul": ("return a + b", "return a * b"),
    "neg": ("return a", "return -a"),
    "half": ("return a // 2", "return a / 2"),
}
WORKING = {"sub": "return a - b", "ident": "return a"}


def _module(fixed: set[str]) -> str:
    lines = [f"def {name}(a, b=0):\n    {body}\n" for name, body in WORKING.items()]
    lines += [
        f"def {name}(a, b=0):\n    {good if name in fixed else bad}\n"
        for name, (bad, good) in BUGS.items()
    ]
    return "\n\n".join(lines)


TESTS = """import pytest
from calc import add, half, ident, mul, neg, sub


def test_sub():
    assert sub(5, 3) == 2


def test_ident():
    assert ident(7) == 7


def test_add():
    assert add(2, 3) == 5


def test_mul():
    assert mul(2, 3) == 6


def test_neg():
    assert neg(4) == -4


def test_half():
    assert half(3) == 1.5
"""
SCENARIO: dict[str, Any] = {
    "baseline": {"run": [{"cmd": "python -m pytest -q -p no:cacheprovider"}]},
    "validation": {"commands": {"test": "python -m pytest -q -p no:cacheprovider"}},
    "heuristic_checks": {
        "commands": [{"name": "tests_pass", "command": "python -m pytest -q -p no:cacheprovider"}],
        "files": [{"name": "tests_kept", "path": "tests/test_calc.py"}],
        "patterns": [
            {"name": "no_print", "file": "**/*.py", "pattern": "print\\(", "negate": True}
        ],
    },
    "rubric_overrides": {"weights": {"tests_nonregression": 2.0, "heuristic_checks": 1.0}},
    "reference_path": "./reference",
}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> LoadedScenario:
    root = tmp_path_factory.mktemp("calc")
    files = {
        "calc/__init__.py": "from calc.ops import *  # noqa: F403\n",
        "calc/ops.py": _module(set()),
        "tests/test_calc.py": TESTS,
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
    }
    suite = make_scenario(root, SCENARIO, files)
    reference = suite / "scenarios" / "x" / "reference" / "calc"
    reference.mkdir(parents=True)
    (reference / "ops.py").write_text(_module(set(BUGS)))
    return load_scenario(suite, "x")


class FileEditingAgent(WritingAgent):
    """Writes files, and deletes the ones mapped to None."""

    def __init__(self, files: dict[str, str | None]) -> None:
        super().__init__({k: v for k, v in files.items() if v is not None})
        self.deleted = [k for k, v in files.items() if v is None]

    async def run(self, request: AgentRequest) -> AgentResult:
        for rel in self.deleted:
            (request.workspace / rel).unlink()
        return await super().run(request)


async def _run(
    scenario: LoadedScenario, agent: Any, tmp_path: Path, name: str = "writer"
) -> ResultIn:
    settings = offline_settings(tmp_path / "home")
    spec = RunSpec("s", "x", "L1", name, None)
    outcome = await execute_run(spec, scenario, agent, default_evaluators(), settings, RunOptions())
    assert outcome.result.status == "completed", outcome.result.metadata
    return outcome.result


def _fix(*names: str) -> FileEditingAgent:
    return FileEditingAgent({"calc/ops.py": _module(set(names))})


def _details(result: ResultIn, metric: str) -> dict[str, Any]:
    evaluation = next(e for e in result.evaluations if e.evaluator_name == metric)
    return json.loads(evaluation.details or "{}")  # type: ignore[no-any-return]


async def test_do_nothing_scores_zero_and_the_reference_ten(
    scenario: LoadedScenario, tmp_path: Path
) -> None:
    nothing = await _run(scenario, EchoAgent(), tmp_path, "echo")
    assert nothing.weighted_score == 0.0 and not nothing.is_successful
    tests = _details(nothing, "tests_nonregression")
    assert tests["perTest"] is True
    assert tests["counts"] == {"guard": 2, "not-fixed": 4}
    checks = {i["name"]: i["state"] for i in _details(nothing, "heuristic_checks")["items"]}
    assert checks == {"tests_pass": "not-fixed", "tests_kept": "guard", "no_print": "guard"}
    assert nothing.metadata is not None and nothing.metadata["scoringVersion"] == 2
    # The figure of version 1 is kept beside: the guards alone made it 4.44/10.
    assert nothing.metadata["scoring"]["absoluteWeightedScore"] == pytest.approx(
        10 * (2 * 2 / 6 + 1 * 2 / 3) / 3
    )

    reference = await _run(scenario, ReferenceAgent(), tmp_path, "reference")
    assert reference.weighted_score == pytest.approx(10.0) and reference.is_successful


async def test_partial_fixes_are_strictly_between_and_monotone(
    scenario: LoadedScenario, tmp_path: Path
) -> None:
    scores = [
        (await _run(scenario, _fix(*list(BUGS)[:n]), tmp_path / str(n))).weighted_score or 0.0
        for n in (1, 2, 3)
    ]
    assert 0.0 < scores[0] < scores[1] < scores[2] < 10.0, scores


async def test_deleting_or_skipping_failing_tests_earns_less_than_a_partial_fix(
    scenario: LoadedScenario, tmp_path: Path
) -> None:
    partial = await _run(scenario, _fix("add"), tmp_path / "partial")
    kept = TESTS.split("\n\n\ndef test_add")[0] + "\n"
    deleted = await _run(
        scenario, FileEditingAgent({"tests/test_calc.py": kept}), tmp_path / "deleted"
    )
    skipped_tests = TESTS.replace("def test_a", "@pytest.mark.skip\ndef test_a")
    skipped_tests = skipped_tests.replace("def test_m", "@pytest.mark.skip\ndef test_m")
    skipped_tests = skipped_tests.replace("def test_n", "@pytest.mark.xfail\ndef test_n")
    skipped_tests = skipped_tests.replace("def test_h", "@pytest.mark.skip\ndef test_h")
    skipped = await _run(
        scenario, FileEditingAgent({"tests/test_calc.py": skipped_tests}), tmp_path / "skipped"
    )
    removed = await _run(
        scenario, FileEditingAgent({"tests/test_calc.py": None}), tmp_path / "removed"
    )
    assert partial.weighted_score is not None and partial.weighted_score > 0
    for cheat in (deleted, skipped, removed):
        assert cheat.weighted_score is not None
        assert cheat.weighted_score < partial.weighted_score, cheat.metadata
        assert not cheat.is_successful
        assert cheat.metadata is not None
        reasons = cheat.metadata["scoring"]["notSuccessfulBecause"]
        assert any("tests weakened" in r for r in reasons), reasons
    assert _details(deleted, "tests_nonregression")["weakened"] == [
        "tests.test_calc::test_add",
        "tests.test_calc::test_half",
        "tests.test_calc::test_mul",
        "tests.test_calc::test_neg",
    ]


async def test_breaking_what_worked_costs(scenario: LoadedScenario, tmp_path: Path) -> None:
    all_fixed = _module(set(BUGS))
    broken = all_fixed.replace("return a - b", "return b - a", 1)
    result = await _run(scenario, FileEditingAgent({"calc/ops.py": broken}), tmp_path)
    assert result.weighted_score is not None and 0 < result.weighted_score < 10
    assert not result.is_successful
    items = _details(result, "tests_nonregression")["items"]
    assert [i["name"] for i in items if i["state"] == "regression"] == ["tests.test_calc::test_sub"]
