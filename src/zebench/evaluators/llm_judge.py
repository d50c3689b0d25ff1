"""The LLM judge: a model grades the agent's work on the scenario's categories.

What the original got wrong and this does instead:
- the model named in the scenario's ``llm_judge.model`` is used (``ZEBENCH_JUDGE_MODEL``
  only when it names none);
- weights written in the category text ("Correctness (30%): ...", "(Weight: 25%)")
  count; categories without one share what is left, equally;
- the reply is read robustly (fenced JSON, JSON inside prose, trailing commas,
  scores as "4", "4/5" or "4 out of 5", or a markdown list when there is no JSON);
- a judge that could not be asked or could not be understood is a failure
  (``score=None`` and ``error``), never a score of zero.

Each category is scored 1..5 and normalised as (s-1)/4; ``score`` is their weighted
mean in 0..1.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from zebench.agents.base import Usage
from zebench.agents.metering import UsageMeter
from zebench.agents.workspace_tools import truncate
from zebench.config import Settings
from zebench.llm.chat import ChatClient
from zebench.llm.endpoints import (
    Endpoint,
    anthropic_endpoint,
    chat_client,
    http_client,
    openai_endpoint,
    openrouter_endpoint,
)
from zebench.llm.errors import LLMError
from zebench.llm.json_reply import find_json
from zebench.llm.pricing import price_table

NOT_CONFIGURED = "judge not configured"

DEFAULT_CATEGORIES = [
    "Code Correctness (Weight: 30%): Implementation accuracy, proper API usage, no bugs.",
    "Best Practices (Weight: 25%): Following framework conventions, clean code patterns.",
    "Technical Execution (Weight: 20%): Proper use of tools, correct commands, error handling.",
    "Documentation & Communication (Weight: 15%): Clear explanations, proper comments.",
    "Overall Quality (Weight: 10%): Holistic assessment combining all aspects.",
]
"""Used when a scenario enables the judge without listing categories (the template's)."""

SYSTEM_PROMPT = """\
You are a strict and fair reviewer grading the work of an AI coding agent. Judge only \
from the evidence given. Score every category as a whole number from 1 (worst) to 5 \
(best) and answer with JSON only."""


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


@dataclass(frozen=True)
class JudgeCategory:
    name: str
    description: str
    weight: float
    """Normalised: the weights of one judge call sum to 1."""


# "(30%)", "(Weight: 25%)", "[weight 0.3]", "(weight=30)"
_WEIGHT = re.compile(
    r"[(\[]\s*(?:(weight)\s*[:=]?\s*)?(\d+(?:\.\d+)?)\s*(%)?\s*[)\]]", re.IGNORECASE
)


def parse_categories(texts: list[str]) -> list[JudgeCategory]:
    """Names, descriptions and normalised weights of the category texts."""
    parsed: list[tuple[str, str, float | None]] = []
    for text in texts:
        name, description, weight = _split_category(str(text))
        parsed.append((name, description, weight))
    given = [w for _, _, w in parsed if w is not None]
    missing = sum(w is None for _, _, w in parsed)
    if not given or sum(given) <= 0:
        fill = 1.0
        weights = [fill for _ in parsed]
    else:
        left = 1.0 - sum(given)
        # Unweighted categories share what the weighted ones leave; when nothing is
        # left they count like an average weighted one.
        fill = left / missing if missing and left > 1e-9 else sum(given) / len(given)
        weights = [fill if w is None else w for _, _, w in parsed]
    total = sum(weights)
    return [
        JudgeCategory(name, description, weight / total)
        for (name, description, _), weight in zip(parsed, weights, strict=True)
    ]


def _weight_marks(text: str) -> list[re.Match[str]]:
    """Bracketed numbers that are weights: with a % sign or the word "weight"."""
    return [m for m in _WEIGHT.finditer(text) if m.group(1) or m.group(3)]


def _split_category(text: str) -> tuple[str, str, float | None]:
    marks = _weight_marks(text)
    match = marks[0] if marks else None
    weight: float | None = None
    if match:
        value = float(match.group(2))
        weight = value / 100 if match.group(3) or value > 1 else value
    head, sep, tail = text.partition(":")
    if match and match.start() < len(head):
        name = text[: match.start()]
        description = text[match.end() :].lstrip(" :-")
    elif sep:
        name, description = head, tail.strip()
    else:
        name, description = text, ""
    name = name.strip().strip("*").strip() or text.strip()[:60]
    if weight is not None and weight < 0:
        weight = None
    return name, description, weight


def build_prompt(categories: list[JudgeCategory], task: str, evidence: str) -> str:
    lines = [
        "# Task given to the agent",
        task.strip() or "(no task text)",
        "",
        "# Evidence: what the agent did and what came of it",
        evidence.strip() or "(no evidence)",
        "",
        "# Categories",
        "Score each category as a whole number from 1 (worst) to 5 (best).",
    ]
    for i, category in enumerate(categories, 1):
        detail = f": {category.description}" if category.description else ""
        lines.append(f"{i}. {category.name} (weight {category.weight:.0%}){detail}")
    lines += [
        "",
        "Reply with only this JSON object, no other text, one entry per category:",
        '{"scores": [{"category": "<category name as written above>", '
        '"score": <1-5>, "reasoning": "<one or two sentences>"}]}',
    ]
    return "\n".join(lines)


# --- reading the reply -------------------------------------------------------

_LIST_KEYS = (
    "scores",
    "categories",
    "category_scores",
    "evaluations",
    "evaluation",
    "results",
    "ratings",
    "criteria",
)
_NAME_KEYS = ("category", "name", "criterion", "title", "label")
_SCORE_KEYS = ("score", "rating", "value", "points", "grade")
_REASON_KEYS = ("reasoning", "reason", "justification", "explanation", "rationale", "comment")
_NOT_CATEGORIES = frozenset(
    re.findall(
        r"\S+",
        "overall overall_score total total_score final_score weighted_score summary "
        "comment comments feedback notes reasoning explanation verdict",
    )
)
_SCORE_TEXT = re.compile(
    r"(-?\d+(?:\.\d+)?)\s*(?:(?:/|out\s+of|of)\s*(\d+(?:\.\d+)?))?", re.IGNORECASE
)

# The same on one line, then the rest of that line as the reasoning.
_PROSE_SCORE = r"(\d+(?:\.\d+)?)(?:[ \t]*(?:/|out[ \t]+of|of)[ \t]*(\d+(?:\.\d+)?))?(.*)"


@dataclass(frozen=True)
class _Entry:
    name: str | None
    score: float | None
    reasoning: str


def parse_score(value: Any) -> float | None:
    """A 1..5 score from 4, 4.5, "4", "4/5", "8/10", "4 out of 5"; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number, scale = float(value), None
    elif isinstance(value, str):
        match = _SCORE_TEXT.search(value)
        if not match:
            return None
        number = float(match.group(1))
        scale = float(match.group(2)) if match.group(2) else None
    else:
        return None
    if scale:
        if scale <= 0 or not 0 <= number <= scale:
            return None
        number = min(max(number * 5 / scale, 1.0), 5.0)
    return number if 1.0 <= number <= 5.0 else None


def _entries(data: Any) -> list[_Entry]:
    if isinstance(data, list):
        found: list[_Entry] = []
        for item in data:
            if isinstance(item, dict) and not any(k in item for k in _NAME_KEYS + _SCORE_KEYS):
                found.extend(_entries(item))  # [{"Correctness": 4}, ...]
            else:
                found.append(_entry(None, item))
        return found
    if isinstance(data, dict):
        for key in _LIST_KEYS:
            if isinstance(data.get(key), list | dict):
                return _entries(data[key])
        return [
            _entry(str(key), value)
            for key, value in data.items()
            if str(key).strip().lower().replace(" ", "_") not in _NOT_CATEGORIES
        ]
    return []


def _entry(name: str | None, value: Any) -> _Entry:
    if isinstance(value, dict):
        found_name = next((str(value[k]) for k in _NAME_KEYS if value.get(k)), name)
        score = next((value[k] for k in _SCORE_KEYS if k in value), None)
        reason = next((str(value[k]) for k in _REASON_KEYS if value.get(k)), "")
        return _Entry(found_name, parse_score(score), reason)
    return _Entry(name, parse_score(value), "")


def _norm(name: str) -> str:
    name = re.sub(r"[(\[].*?[)\]]", " ", name.split(":")[0])
    return " ".join(re.findall(r"[a-z0-9]+", name.lower()))


def _match(categories: list[JudgeCategory], entries: list[_Entry]) -> dict[str, tuple[float, str]]:
    """Scores by category name: by exact name, then close name, then position."""
    usable = [e for e in entries if e.score is not None]
    matched: dict[str, tuple[float, str]] = {}
    taken: set[int] = set()
    for fuzzy in (False, True):
        for category in categories:
            if category.name in matched:
                continue
            wanted = _norm(category.name)
            for i, entry in enumerate(usable):
                if i in taken or entry.name is None:
                    continue
                got = _norm(entry.name)
                close = (
                    difflib.SequenceMatcher(None, wanted, got).ratio() >= 0.75
                    or (len(got) >= 4 and (got in wanted or wanted in got))
                    if fuzzy
                    else got == wanted
                )
                if close:
                    assert entry.score is not None
                    matched[category.name] = (entry.score, entry.reasoning)
                    taken.add(i)
                    break
    left_categories = [c for c in categories if c.name not in matched]
    left_entries = [e for i, e in enumerate(usable) if i not in taken]
    # Unnamed or renamed entries, as many as the categories left: the judge kept the order.
    if left_categories and len(left_entries) == len(left_categories):
        for category, entry in zip(left_categories, left_entries, strict=True):
            assert entry.score is not None
            matched[category.name] = (entry.score, entry.reasoning)
    return matched


def _from_prose(categories: list[JudgeCategory], text: str) -> dict[str, tuple[float, str]]:
    """Scores written as prose or markdown: "**Code Correctness**: 4/5 - solid"."""
    plain = text
    for mark in reversed(_weight_marks(text)):  # "(30%)" next to a name is not its score
        plain = plain[: mark.start()] + " " + plain[mark.end() :]
    found: dict[str, tuple[float, str]] = {}
    for category in categories:
        pattern = re.compile(
            re.escape(category.name) + r"[^\d\n]{0,60}?" + _PROSE_SCORE,
            re.IGNORECASE,
        )
        for match in pattern.finditer(plain):
            number, scale = match.group(1), match.group(2)
            score = parse_score(f"{number}/{scale}" if scale else number)
            if score is not None:
                found[category.name] = (score, match.group(3).strip(" -:*.\u2014"))
                break
    return found


@dataclass(frozen=True)
class ReplyScores:
    scores: dict[str, tuple[float, str]]
    error: str | None


def score_reply(text: str, categories: list[JudgeCategory]) -> ReplyScores:
    """Every category's (score, reasoning) from the reply, or why that failed."""
    data = find_json(text)
    scores = _match(categories, _entries(data)) if data is not None else {}
    if len(scores) < len(categories):
        for name, value in _from_prose(categories, text).items():
            scores.setdefault(name, value)
    missing = [c.name for c in categories if c.name not in scores]
    if not missing:
        return ReplyScores(scores, None)
    if not scores:
        what = "no JSON and no scores" if data is None else "no usable 1-5 scores"
        return ReplyScores({}, f"judge reply has {what}")
    return ReplyScores(scores, f"judge reply did not score: {', '.join(missing)}")


def weighted_score(categories: list[JudgeCategory], scores: dict[str, tuple[float, str]]) -> float:
    return sum(c.weight * (scores[c.name][0] - 1) / 4 for c in categories)


# --- calling the judge -------------------------------------------------------


def judge_endpoint(settings: Settings, model: str) -> Endpoint:
    """Anthropic for bare ``claude-*`` names (in auto mode), else an OpenAI-compatible
    endpoint: ``ZEBENCH_JUDGE_BASE_URL`` when set, else OpenRouter (whose model names
    the suites use, e.g. ``meta-llama/llama-3.1-8b-instruct``)."""
    provider = settings.judge_provider
    if provider == "auto":
        provider = "anthropic" if model.lower().startswith("claude-") else "openrouter"
    if provider == "anthropic":
        endpoint = anthropic_endpoint(settings)
    elif provider == "openai":
        endpoint = openai_endpoint(settings)
    else:
        endpoint = openrouter_endpoint(settings)
    if endpoint.wire == "openai" and settings.judge_base_url:
        # A different server: never send it the provider's own key.
        return Endpoint("judge", "openai", settings.judge_base_url, settings.judge_api_key)
    if settings.judge_api_key:
        return Endpoint(
            endpoint.name,
            endpoint.wire,
            endpoint.base_url,
            settings.judge_api_key,
            endpoint.extra_body,
        )
    return endpoint


async def run_llm_judge(
    *,
    settings: Settings,
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
    chosen = model or settings.judge_model
    specs = parse_categories(categories or DEFAULT_CATEGORIES)
    if endpoint is None:
        endpoint = judge_endpoint(settings, chosen)
    if not endpoint.configured:
        return JudgeResult(None, [], NOT_CONFIGURED, "", Usage(), chosen)
    prompt = build_prompt(specs, task, truncate(evidence, settings.judge_max_evidence_chars))
    async with http_client(settings) as http:
        chat = chat_client(endpoint, http, settings)
        return await _ask(chat, settings, chosen, specs, prompt, temperature, max_tokens)


async def _ask(
    chat: ChatClient,
    settings: Settings,
    model: str,
    specs: list[JudgeCategory],
    prompt: str,
    temperature: float,
    max_tokens: int,
) -> JudgeResult:
    meter = UsageMeter(price_table(settings))
    messages = [chat.user_message(prompt)]
    raw, error = "", "judge was not asked"
    for _ in range(1 + max(settings.judge_parse_retries, 0)):
        try:
            turn = await chat.complete(
                model=model,
                system=SYSTEM_PROMPT,
                messages=messages,
                tools=[],
                max_tokens=max_tokens,
                temperature=temperature,
            )
        except LLMError as exc:
            return JudgeResult(
                None, [], f"judge request failed: {exc}", exc.body, meter.usage, model
            )
        meter.add_turn(turn, model)
        raw = turn.text
        reply = score_reply(raw, specs)
        if reply.error is None:
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
                usage=meter.usage,
                model=turn.model or model,
            )
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


def _plain(score: float) -> float:
    return int(score) if float(score).is_integer() else score
