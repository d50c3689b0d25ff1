"""The LLM judge: category weights, robust reply parsing, routing, failures as failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes.llm_server import (
    ScriptedLLMServer,
    anthropic_message,
    openai_completion,
    openai_error,
)
from fakes.support import settings_for
from zebench.config import Settings
from zebench.evaluators.judge_prompt import DEFAULT_CATEGORIES, parse_categories
from zebench.evaluators.judge_reply import parse_score, score_reply, weighted_score
from zebench.evaluators.llm_judge import NOT_CONFIGURED, JudgeResult, run_llm_judge

pytest_plugins = ["fakes.fixtures"]  # provides fake_llm, llm_settings

CATEGORIES = [
    "Dependency Update Correctness (30%): Accurately updates required dependencies "
    "(typescript >=5.5 <6, nx ~20.0). Score 1-5: 1=incorrect versions, 5=all targets met",
    "Constraint Compliance (Weight: 25%): Respects the blocklist. Score 1-5",
    "Monorepo Handling (20%): pnpm workspaces, Nx conventions.",
    "Breaking Changes Strategy (15%): Handles major bumps safely.",
    "Package Manager Correctness (10%): Uses pnpm correctly.",
]
NAMES = [
    "Dependency Update Correctness",
    "Constraint Compliance",
    "Monorepo Handling",
    "Breaking Changes Strategy",
    "Package Manager Correctness",
]
SCORES = [5, 4, 3, 2, 1]
EXPECTED = 0.30 * 1 + 0.25 * 0.75 + 0.20 * 0.5 + 0.15 * 0.25 + 0.10 * 0


async def _judge(
    settings: Settings, model: str | None, categories: list[str] = CATEGORIES
) -> JudgeResult:
    """The judge on a fixed task and evidence; what varies is the endpoint and the reply."""
    return await run_llm_judge(
        judge=settings.judge,
        llm=settings.llm,
        model=model,
        categories=categories,
        task="t",
        evidence="e",
        temperature=0.1,
        max_tokens=100,
    )


def test_weights_written_in_the_category_text_are_honoured() -> None:
    specs = parse_categories(CATEGORIES)
    assert [c.name for c in specs] == NAMES
    assert [round(c.weight, 6) for c in specs] == [0.3, 0.25, 0.2, 0.15, 0.1]
    assert specs[0].description.startswith("Accurately updates")


def test_weights_normalise_and_missing_ones_share_the_rest() -> None:
    assert [c.weight for c in parse_categories(["A", "B", "C", "D"])] == [0.25] * 4
    halves = parse_categories(["A (60%): x", "B (Weight: 60%): y"])
    assert [c.weight for c in halves] == [0.5, 0.5]
    mixed = parse_categories(["A (50%): x", "B: y", "C: z"])
    assert [c.weight for c in mixed] == [0.5, 0.25, 0.25]
    fractions = parse_categories(["A (weight: 0.2): x", "B [weight 0.8]: y"])
    assert [round(c.weight, 6) for c in fractions] == [0.2, 0.8]
    # A number in brackets without % or "weight" is part of the name, not a weight.
    odd = parse_categories(["Targets ES (2020) (25%): x", "Rest (75%): y"])
    assert odd[0].name == "Targets ES (2020)" and odd[0].weight == 0.25


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4, 4.0),
        (4.5, 4.5),
        ("4", 4.0),
        ("4/5", 4.0),
        ("3 / 5", 3.0),
        ("8/10", 4.0),
        ("4 out of 5", 4.0),
        ("Score: 2", 2.0),
        (0, None),
        (6, None),
        ("6/5", None),
        ("excellent", None),
        (True, None),
        (None, None),
    ],
)
def test_score_values(value: object, expected: float | None) -> None:
    assert parse_score(value) == expected


def _json_scores() -> dict[str, object]:
    return {
        "scores": [
            {"category": n, "score": s, "reasoning": f"because {n}"}
            for n, s in zip(NAMES, SCORES, strict=True)
        ]
    }


REPLY_SHAPES = {
    "plain json": json.dumps(_json_scores()),
    "fenced with prose": "Here is my evaluation:\n```json\n"
    + json.dumps(_json_scores(), indent=2)
    + "\n```\nOverall a decent job.",
    "prose around bare json": "Sure! " + json.dumps(_json_scores()) + " Let me know.",
    "trailing commas and string scores": "{'scores': [\n"
    + "".join(
        f'  {{"category": "{n}", "score": "{s}/5", "reasoning": "ok",}},\n'
        for n, s in zip(NAMES, SCORES, strict=True)
    )
    + "],}",
    "mapping of names": json.dumps(
        {n: {"score": str(s), "justification": "x"} for n, s in zip(NAMES, SCORES, strict=True)}
        | {"overall": "fine"}
    ),
    "names with weights and case": json.dumps(
        {
            "evaluations": [
                {"criterion": f"{n.upper()} ({w}%)", "rating": s}
                for n, s, w in zip(NAMES, SCORES, [30, 25, 20, 15, 10], strict=True)
            ]
        }
    ),
    "unnamed in order": json.dumps({"scores": SCORES}),
    "markdown list": "\n".join(
        f"- **{n}** (weight {w}%): {s}/5 - reasons"
        for n, s, w in zip(NAMES, SCORES, [30, 25, 20, 15, 10], strict=True)
    ),
    "python literal": str(
        {"scores": [{"name": n, "score": s} for n, s in zip(NAMES, SCORES, strict=True)]}
    ),
}


@pytest.mark.parametrize("shape", list(REPLY_SHAPES))
def test_many_reply_shapes_give_the_same_score(shape: str) -> None:
    specs = parse_categories(CATEGORIES)
    reply = score_reply(REPLY_SHAPES[shape], specs)
    assert reply.error is None, reply.error
    assert [reply.scores[n][0] for n in NAMES] == SCORES
    assert weighted_score(specs, reply.scores) == pytest.approx(EXPECTED)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("I am unable to evaluate this submission.", "no JSON and no scores"),
        ('{"scores": [{"category": "Monorepo Handling", "score": 9}]}', "no usable 1-5 scores"),
        (
            json.dumps({"scores": [{"category": NAMES[0], "score": 4}]}),
            "did not score: Constraint Compliance",
        ),
    ],
)
def test_unusable_replies_are_errors(reply: str, error: str) -> None:
    result = score_reply(reply, parse_categories(CATEGORIES))
    assert result.error is not None and error in result.error


async def test_judge_uses_the_scenario_model_and_the_openrouter_endpoint(
    fake_llm: ScriptedLLMServer, llm_settings: Settings
) -> None:
    fake_llm.push(
        openai_completion(
            "```json\n" + json.dumps(_json_scores()) + "\n```",
            prompt_tokens=900,
            completion_tokens=120,
            cost=0.00042,
            model="meta-llama/llama-3.1-8b-instruct",
        )
    )
    result = await run_llm_judge(
        judge=llm_settings.judge,
        llm=llm_settings.llm,
        model="meta-llama/llama-3.1-8b-instruct",
        categories=CATEGORIES,
        task="Update the dependencies.",
        evidence="diff: typescript 5.4 -> 5.5.4",
        temperature=0.1,
        max_tokens=2000,
    )
    assert result.error is None
    assert result.score == pytest.approx(EXPECTED)
    assert [c["name"] for c in result.per_category] == NAMES
    assert result.per_category[0] == {
        "name": NAMES[0],
        "weight": 0.3,
        "score": 5,
        "reasoning": f"because {NAMES[0]}",
    }
    assert (result.usage.tokens_in, result.usage.tokens_out) == (900, 120)
    assert result.usage.cost_usd == pytest.approx(0.00042)
    assert result.raw.startswith("```json")

    (sent,) = fake_llm.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "meta-llama/llama-3.1-8b-instruct"
    assert sent.body["temperature"] == 0.1
    assert sent.body["max_tokens"] == 2000
    assert "tools" not in sent.body
    prompt = sent.body["messages"][-1]["content"]
    assert "Update the dependencies." in prompt and "typescript 5.4 -> 5.5.4" in prompt
    assert "Constraint Compliance (weight 25%)" in prompt


async def test_judge_falls_back_to_the_configured_model_and_default_categories(
    fake_llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    settings = settings_for(
        fake_llm, tmp_path / "home", judge={"judge_model": "judge/default-model"}
    )
    fake_llm.push(openai_completion(json.dumps({"scores": [3, 3, 3, 3, 3]})))
    result = await run_llm_judge(
        judge=settings.judge,
        llm=settings.llm,
        model=None,
        categories=[],
        task="t",
        evidence="e",
        temperature=0.0,
        max_tokens=500,
    )
    assert fake_llm.requests[0].body["model"] == "judge/default-model"
    assert len(result.per_category) == len(DEFAULT_CATEGORIES)
    assert result.score == pytest.approx(0.5)


async def test_claude_models_are_judged_through_anthropic(
    fake_llm: ScriptedLLMServer, llm_settings: Settings
) -> None:
    fake_llm.push(anthropic_message(json.dumps(_json_scores()), model="claude-3-5-haiku-20241022"))
    result = await run_llm_judge(
        judge=llm_settings.judge,
        llm=llm_settings.llm,
        model="claude-3-5-haiku-20241022",
        categories=CATEGORIES,
        task="t",
        evidence="e",
        temperature=0.1,
        max_tokens=800,
    )
    assert result.score == pytest.approx(EXPECTED)
    (sent,) = fake_llm.requests
    assert sent.path == "/v1/messages"
    assert sent.body["system"] and sent.body["temperature"] == 0.1
    # Priced from the table: claude-3-5-haiku at $0.8 / $4 per million tokens.
    assert result.usage.cost_usd == pytest.approx((100 * 0.8 + 20 * 4) / 1_000_000)


async def test_explicit_judge_endpoint_gets_its_own_key_only(
    fake_llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    settings = settings_for(
        fake_llm,
        tmp_path / "home",
        judge={"judge_base_url": fake_llm.openai_base_url, "judge_api_key": "test-key"},
        llm={"openrouter_api_key": "sk-or-must-not-be-sent"},
    )
    fake_llm.push(openai_completion(json.dumps({"scores": SCORES})))
    result = await _judge(settings, "local/judge")
    assert result.error is None
    assert fake_llm.requests[0].headers["authorization"] == "Bearer test-key"
    assert "usage" not in fake_llm.requests[0].body


async def test_unparseable_reply_is_asked_again_then_scored(
    fake_llm: ScriptedLLMServer, llm_settings: Settings
) -> None:
    fake_llm.push(
        openai_completion("The agent did well overall.", cost=0.0001),
        openai_completion(json.dumps(_json_scores()), cost=0.0002),
    )
    result = await _judge(llm_settings, "meta-llama/llama-3.1-8b-instruct")
    assert result.error is None and result.score == pytest.approx(EXPECTED)
    assert result.usage.cost_usd == pytest.approx(0.0003)
    retry = fake_llm.requests[1].body["messages"]
    assert retry[-2] == {"role": "assistant", "content": "The agent did well overall."}
    assert "could not be used" in retry[-1]["content"]


async def test_unparseable_replies_are_a_failure_not_a_zero(
    fake_llm: ScriptedLLMServer, llm_settings: Settings
) -> None:
    fake_llm.push(openai_completion("No idea."), openai_completion("Still no idea."))
    result = await _judge(llm_settings, "m/x")
    assert result.score is None
    assert result.error is not None and result.error.startswith("judge reply could not be parsed")
    assert result.raw == "Still no idea."
    assert result.per_category == []


async def test_http_failure_is_a_failure_not_a_zero(
    fake_llm: ScriptedLLMServer, llm_settings: Settings
) -> None:
    fake_llm.push(*[openai_error(502, "bad gateway") for _ in range(4)])
    result = await _judge(llm_settings, "m/x")
    assert result.score is None
    assert result.error is not None
    assert (
        result.error.startswith("judge request failed") and "HTTP 502: bad gateway" in result.error
    )
    assert "bad gateway" in result.raw


async def test_no_key_means_judge_not_configured(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        llm={
            "openrouter_api_key": None,
            "anthropic_api_key": None,
            "openrouter_base_url": "https://openrouter.ai/api/v1",
            "anthropic_base_url": "https://api.anthropic.com",
        },
        judge={"judge_api_key": None, "judge_base_url": None},
    )
    for model in ("meta-llama/llama-3.1-8b-instruct", "claude-3-5-haiku-latest", None):
        result = await _judge(settings, model)
        assert (result.score, result.error) == (None, NOT_CONFIGURED)
