"""The LLM judge: a model grades the agent's work on the scenario's categories.

What the original got wrong and this does instead:
- the model named in the scenario's ``llm_judge.model`` is used (``ZEBENCH_JUDGE_MODEL``
  only when it names none);
- weights written in the category text count (``judge_prompt``);
- the reply is read robustly (``judge_reply``);
- a judge that could not be asked or could not be understood is a failure
  (``score=None`` and ``error``), never a score of zero.

Each category is scored 1..5 and normalised as (s-1)/4; ``score`` is their weighted
mean in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zebench.agents.base import Usage
from zebench.agents.metering import UsageMeter
from zebench.agents.workspace_tools import truncate
from zebench.config import JudgeSettings, LLMSettings
from zebench.evaluators.judge_prompt import (
    DEFAULT_CATEGORIES,
    SYSTEM_PROMPT,
    JudgeCategory,
    build_prompt,
    parse_categories,
)
from zebench.evaluators.judge_reply import ReplyScores, score_reply, weighted_score
from zebench.llm.chat import ChatClient, ChatRequest
from zebench.llm.endpoints import (
    Endpoint,
    anthropic_endpoint,
    chat_client,
    http_client,
    openai_endpoint,
    openrouter_endpoint,
)
from zebench.llm.errors import LLMError
from zebench.llm.pricing import price_table

NOT_CONFIGURED = "judge not configured"


@dataclass
class JudgeResult:
    score: float | None
    """0..1, the weighted mean of (s-1)/4; None when the judge failed."""
    per_category: list[dict[str, Any]]
    """[{name, weight (normalised, sums to 1), score (1..5), reasoning}]"""
    error: str | None
    raw: str
    """The judge's last reply (or the provider's error body)."""
    usage: Usage = field(default_factory=Usage)
    model: str | None = None


def judge_endpoint(judge: JudgeSettings, llm: LLMSettings, model: str) -> Endpoint:
    """Anthropic for bare ``claude-*`` names (in auto mode), else an OpenAI-compatible
    endpoint: ``ZEBENCH_JUDGE_BASE_URL`` when set, else OpenRouter (whose model names
    the suites use, e.g. ``meta-llama/llama-3.1-8b-instruct``)."""
    provider = judge.judge_provider
    if provider == "auto":
        provider = "anthropic" if model.lower().startswith("claude-") else "openrouter"
    if provider == "anthropic":
        endpoint = anthropic_endpoint(llm)
    elif provider == "openai":
        endpoint = openai_endpoint(llm)
    else:
        endpoint = openrouter_endpoint(llm)
    if endpoint.wire == "openai" and judge.judge_base_url:
        # A different server: never send it the provider's own key.
        return Endpoint("judge", "openai", judge.judge_base_url, judge.judge_api_key)
    if judge.judge_api_key:
        return Endpoint(
            endpoint.name,
            endpoint.wire,
            endpoint.base_url,
            judge.judge_api_key,
            endpoint.extra_body,
        )
    return endpoint


async def run_llm_judge(
    *,
    judge: JudgeSettings,
    llm: LLMSettings,
    model: str | None,
    categories: list[str],
    task: str,
    evidence: str,
    temperature: float,
    max_tokens: int,
    endpoint: Endpoint | None = None,
) -> JudgeResult:
    """Ask the judge to grade ``evidence`` against ``task``; never raises for judge failures.

    ``endpoint`` is ``judge_endpoint`` for the chosen model, when the caller already has it.
    Evidence longer than ``judge_max_evidence_chars`` keeps its head and its tail.
    """
    chosen = model or judge.judge_model
    specs = parse_categories(categories or DEFAULT_CATEGORIES)
    if endpoint is None:
        endpoint = judge_endpoint(judge, llm, chosen)
    if not endpoint.configured:
        return JudgeResult(None, [], NOT_CONFIGURED, "", Usage(), chosen)
    prompt = build_prompt(specs, task, truncate(evidence, judge.judge_max_evidence_chars))
    async with http_client(llm) as http:
        chat = chat_client(endpoint, http, llm)
        return await _ask(chat, judge, llm, chosen, specs, prompt, temperature, max_tokens)


async def _ask(
    chat: ChatClient,
    judge: JudgeSettings,
    llm: LLMSettings,
    model: str,
    specs: list[JudgeCategory],
    prompt: str,
    temperature: float,
    max_tokens: int,
) -> JudgeResult:
    meter = UsageMeter(price_table(llm))
    messages = [chat.user_message(prompt)]
    raw, error = "", "judge was not asked"
    for _ in range(1 + max(judge.judge_parse_retries, 0)):
        try:
            turn = await chat.complete(
                ChatRequest(
                    model=model,
                    system=SYSTEM_PROMPT,
                    messages=messages,
                    tools=[],
                    max_tokens=max_tokens,
                    temperature=temperature,
                )
            )
        except LLMError as exc:
            return JudgeResult(
                None, [], f"judge request failed: {exc}", exc.body, meter.usage, model
            )
        meter.add_turn(turn, model)
        raw = turn.text
        reply = score_reply(raw, specs)
        if reply.error is None:
            return _graded(specs, reply, raw, meter.usage, turn.model or model)
        error = reply.error
        if raw.strip():
            messages.append(turn.assistant_message)
            messages.append(
                chat.user_message(
                    f"Your reply could not be used ({error}). Reply again with only the "
                    "JSON object described above, one entry per category."
                )
            )
    return JudgeResult(
        None, [], f"judge reply could not be parsed: {error}", raw, meter.usage, model
    )


def _graded(
    specs: list[JudgeCategory], reply: ReplyScores, raw: str, usage: Usage, model: str
) -> JudgeResult:
    return JudgeResult(
        score=weighted_score(specs, reply.scores),
        per_category=[
            {
                "name": c.name,
                "weight": round(c.weight, 6),
                "score": _plain(reply.scores[c.name][0]),
                "reasoning": reply.scores[c.name][1],
            }
            for c in specs
        ],
        error=None,
        raw=raw,
        usage=usage,
        model=model,
    )


def _plain(score: float) -> float:
    return int(score) if float(score).is_integer() else score
