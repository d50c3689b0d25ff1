"""The llm_judge metric in a run: task and evidence sent to a local OpenAI-compatible judge;
a judge that fails is recorded with its error and carries no weight."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakes.fixtures import fake_llm  # noqa: F401
from fakes.llm_server import FAKE_MODEL, ScriptedLLMServer, openai_completion, openai_error
from fakes.support import settings_for
from harness_support import WritingAgent, make_scenario, offline_settings
from zebench.evaluators import default_evaluators
from zebench.harness.matrix import RunSpec
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import execute_run
from zebench.suites import load_scenario

SCENARIO: dict[str, Any] = {
    "title": "Bump the version",
    "description": "Set the version to 2.0.0.",
    "heuristic_checks": {"files": [{"name": "notes", "path": "NOTES.md"}]},
    "llm_judge": {
        "enabled": True,
        "model": FAKE_MODEL,
        "categories": [
            "Correctness (Weight: 75%): the version is right. Score 1-5",
            "Style (Weight: 25%): tidy. Score 1-5",
        ],
    },
    "rubric_overrides": {"weights": {"heuristic_checks": 1.0, "llm_judge": 3.0}},
}


async def _run(tmp_path: Path, settings: Any) -> Any:
    suite = make_scenario(tmp_path, SCENARIO, {"version.txt": "1.0.0\n"})
    outcome = await execute_run(
        RunSpec("s", "x", "L1", "writer", None),
        load_scenario(suite, "x"),
        WritingAgent({"version.txt": "2.0.0\n", "NOTES.md": "bumped"}),
        default_evaluators(),
        settings,
        RunOptions(),
    )
    return outcome.result


async def test_the_judge_gets_the_task_and_the_evidence_and_its_weights_count(
    fake_llm: ScriptedLLMServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    reply = {
        "scores": [
            {"category": "Correctness", "score": 5, "reasoning": "right"},
            {"category": "Style", "score": 1, "reasoning": "messy"},
        ]
    }
    fake_llm.push(openai_completion(json.dumps(reply), prompt_tokens=900, completion_tokens=40))
    result = await _run(tmp_path, settings_for(fake_llm, tmp_path / "home"))

    [request] = fake_llm.requests
    assert request.body["model"] == FAKE_MODEL  # the scenario's judge model
    prompt = json.dumps(request.body["messages"])
    assert "Bump the version" in prompt and "Do the task." in prompt
    assert "version.txt" in prompt and "+2.0.0" in prompt  # the diff is evidence

    judge = next(e for e in result.evaluations if e.evaluator_name == "llm_judge")
    assert judge.max_score == 1.0
    assert judge.score == pytest.approx(0.75)  # 0.75 * (5-1)/4 + 0.25 * (1-1)/4
    details = json.loads(judge.details or "{}")
    assert details["usage"]["tokensIn"] == 900
    # heuristic 1.0 (weight 1) and judge 0.75 (weight 3)
    assert result.weighted_score == pytest.approx((1.0 + 0.75 * 3) / 4 * 10)


async def test_a_failing_judge_is_recorded_and_weighs_nothing(
    fake_llm: ScriptedLLMServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    fake_llm.push(*[openai_error(500, "overloaded")] * 10)
    result = await _run(tmp_path, settings_for(fake_llm, tmp_path / "home"))
    judge = next(e for e in result.evaluations if e.evaluator_name == "llm_judge")
    assert (judge.score, judge.max_score) == (0.0, 0.0)
    assert json.loads(judge.details or "{}")["error"]
    assert result.status == "completed"
    assert result.weighted_score == pytest.approx(10.0)  # only the heuristic counted
    assert result.is_successful


async def test_without_a_configured_judge_it_is_not_asked(tmp_path: Path) -> None:
    result = await _run(tmp_path, offline_settings(tmp_path / "home"))
    assert [e.evaluator_name for e in result.evaluations] == ["heuristic_checks"]
