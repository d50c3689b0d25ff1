"""Reading the LLM judge's reply, robustly.

Fenced JSON, JSON inside prose, trailing commas, scores as "4", "4/5" or "4 out of 5",
or a markdown list when there is no JSON. Each category is scored 1..5 and normalised
as (s-1)/4; the judge's score is their weighted mean in 0..1.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from zebench.evaluators.judge_prompt import JudgeCategory, weight_marks
from zebench.llm.json_reply import find_json

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
    for mark in reversed(weight_marks(text)):  # "(30%)" next to a name is not its score
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
