"""What the LLM judge is asked: the categories with their weights, and the prompt.

Weights written in the category text ("Correctness (30%): ...", "(Weight: 25%)") count;
categories without one share what is left, equally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def weight_marks(text: str) -> list[re.Match[str]]:
    """Bracketed numbers that are weights: with a % sign or the word "weight"."""
    return [m for m in _WEIGHT.finditer(text) if m.group(1) or m.group(3)]


def _split_category(text: str) -> tuple[str, str, float | None]:
    marks = weight_marks(text)
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
