"""Answer an agent's askUser question from the scenario's oracle answers.

Keys in ``oracle-answers.json`` are either questions ("should i update to react 19")
or topic slugs ("assume_risk_for_major_bumps"). The match is exact first (after
normalising case, punctuation and underscores), then fuzzy (difflib similarity, or
most of a slug's words appearing in the question), else a fixed default.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_ANSWER = "Proceed with your best judgment"
FUZZY_CUTOFF = 0.6
_WORD = re.compile(r"[a-z0-9@.+-]+")
# Words too common to show that a question is about a key's topic.
_FILLER = frozenset(
    _WORD.findall("a an and are be can do for i in is it me my of on or should the to we with you")
)


@dataclass(frozen=True)
class OracleAnswer:
    answer: str
    matched_key: str | None
    how: str
    """exact | fuzzy | default"""


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("_", " ")))


def answer_question(oracle: Mapping[str, str], question: str) -> OracleAnswer:
    wanted = normalise(question)
    keys = {normalise(k): k for k in oracle}
    if wanted in keys:
        key = keys[wanted]
        return OracleAnswer(str(oracle[key]), key, "exact")
    best_key, best_score = None, 0.0
    question_words = set(wanted.split())
    for norm, key in keys.items():
        score = difflib.SequenceMatcher(None, wanted, norm).ratio()
        topic = [w for w in norm.split() if w not in _FILLER]
        if len(topic) >= 2:
            covered = sum(w in question_words for w in topic) / len(topic)
            score = max(score, covered)
        if score > best_score:
            best_key, best_score = key, score
    if best_key is not None and best_score >= FUZZY_CUTOFF:
        return OracleAnswer(str(oracle[best_key]), best_key, "fuzzy")
    return OracleAnswer(DEFAULT_ANSWER, None, "default")
