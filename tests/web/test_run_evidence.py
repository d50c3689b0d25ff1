"""The run page answers "why this score" for a result the harness really produced: every
check and test with its state before and after, the counts, the diff, the agent's
output and the timeline of its calls."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dashboard_support import seeded, serve
from harness_support import make_scenario, offline_settings
from zebench.agents.base import AgentRequest, AgentResult, Usage
from zebench.evaluators import default_evaluators
from zebench.harness.matrix import RunSpec
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import execute_run
from zebench.model.results import EvaluationIn, ResultIn
from zebench.service.results import submit_result
from zebench.service.run_details import timeline
from zebench.suites import load_scenario

FIXTURE = {
    "calc.py": "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n",
    "tests/test_calc.py": (
        "from calc import add, sub\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n"
        "def test_sub():\n    assert sub(3, 2) == 1\n"
    ),
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
}
SCENARIO = {
    "validation": {"commands": {"test": "python -m pytest -q -p no:cacheprovider"}},
    "heuristic_checks": {
        "files": [{"name": "tests_kept", "path": "tests/test_calc.py", "weight": 0.5}],
        "patterns": [{"name": "adds", "file": "calc.py", "pattern": "a \\+ b", "weight": 2}],
    },
}


class FixingAgent:
    """Fixes add() and says so, with a timed model call and a timed tool call."""

    name = "fixer"

    async def run(self, request: AgentRequest) -> AgentResult:
        path = request.workspace / "calc.py"
        path.write_text(path.read_text().replace("return a - b", "return a + b", 1))
        return AgentResult(
            output="Fixed add(): it <b>subtracted</b>.",
            usage=Usage(tool_calls=1),
            transcript=[
                {"role": "user", "content": request.prompt},
                {
                    "role": "assistant",
                    "content": "editing",
                    "tool_calls": [
                        {"id": "c1", "name": "writeFile", "arguments": {"path": "calc.py"}}
                    ],
                    "model": "m1",
                    "durationMs": 1200,
                },
                {
                    "role": "tool",
                    "tool_result": {
                        "id": "c1",
                        "name": "writeFile",
                        "content": "ok",
                        "isError": False,
                    },
                    "durationMs": 30,
                },
            ],
        )


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ResultIn:
    import asyncio

    root = tmp_path_factory.mktemp("evidence")
    loaded = load_scenario(make_scenario(root, SCENARIO, FIXTURE), "x")
    outcome = asyncio.run(
        execute_run(
            RunSpec("s", "x", "L1", "fixer", "m1"),
            loaded,
            FixingAgent(),
            default_evaluators(),
            offline_settings(root / "home"),
            RunOptions(),
        )
    )
    assert outcome.result.status == "completed"
    return outcome.result


OLD_RUN = "run-version-1"


def _version_1(result: ResultIn) -> ResultIn:
    """The same run as version 1 stored it: absolute checks, no scoring version."""
    details = {
        "passedWeight": 1.0,
        "totalWeight": 3.0,
        "checks": [
            {"name": "tests_kept", "kind": "file", "weight": 1.0, "passed": True},
            {"name": "adds", "kind": "pattern", "weight": 2.0, "passed": False},
        ],
    }
    evaluation = EvaluationIn(
        evaluator_name="heuristic_checks", score=1 / 3, max_score=1.0, details=json.dumps(details)
    )
    return result.model_copy(
        update={"run_id": OLD_RUN, "metadata": {"iteration": 1}, "evaluations": [evaluation]}
    )


@pytest.fixture(scope="module")
def client(result: ResultIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    path: Path = tmp_path_factory.mktemp("evidence-db") / "zebench.db"
    with seeded(f"sqlite:///{path}", None) as db:
        submit_result(db, result)
        submit_result(db, _version_1(result))
        with serve(db) as server, httpx.Client(base_url=server.url) as http:
            yield http


def test_the_harness_result_itself(result: ResultIn) -> None:
    # add fixed (test + pattern), sub kept: 1 of 1 failing tests, 2 of 2 failing weight.
    assert result.weighted_score == pytest.approx(10.0) and result.is_successful
    assert result.metadata is not None
    assert result.metadata["diffSummary"]["files"] == [
        {"path": "calc.py", "change": "modified", "additions": 1, "deletions": 1}
    ]
    assert "-    return a - b\n+    return a + b" in result.metadata["diffPatch"]


def test_the_run_page_shows_every_item_with_its_state(
    client: httpx.Client, result: ResultIn
) -> None:
    page = client.get(f"/runs/{result.run_id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Scoring version 2" in text
    for item, state in (
        ("tests.test_calc::test_add", "progress"),
        ("tests.test_calc::test_sub", "guard"),
        ("tests_kept", "guard"),
        ("adds", "progress"),
    ):
        row = text[text.index(item) :][:400]
        assert f"state-{state}" in row, (item, row)
    assert "1 guard, 1 progress" in text
    assert " of  checks passed" not in text  # the counts are there


def test_the_run_page_shows_the_diff_output_and_timeline(
    client: httpx.Client, result: ResultIn
) -> None:
    page = client.get(f"/runs/{result.run_id}").text
    assert '<span class="add">+    return a + b' in page
    assert '<span class="del">-    return a - b' in page
    assert "Fixed add(): it &lt;b&gt;subtracted&lt;/b&gt;." in page  # escaped
    assert "m1 → writeFile" in html.unescape(page)
    assert [(s.kind, s.start_ms, s.duration_ms) for s in timeline(result.transcript)] == [
        ("model", 0, 1200),
        ("tool", 1200, 30),
    ]


def test_a_version_1_run_shows_its_counts(client: httpx.Client) -> None:
    text = html.unescape(client.get(f"/runs/{OLD_RUN}").text)
    assert "Scoring version 1" in text and "not comparable with version 2" in text
    assert "1 of 2 checks passed" in text
