"""Find the JSON a model meant to send inside whatever it actually sent.

Models wrap JSON in code fences, put prose around it, leave trailing commas, use
Python literals or typographic quotes. ``find_json`` tries, in order: the whole
reply, each fenced block, each balanced ``{...}``/``[...]`` span; each candidate
is read strictly first, then after light repairs.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\n?(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_MAX_SPANS = 64


def find_json(text: str) -> Any | None:
    """The first JSON object or array found in ``text``, or None."""
    for candidate in _candidates(text):
        value = loads_lenient(candidate)
        if isinstance(value, dict | list):
            return value
    return None


def loads_lenient(text: str) -> Any | None:
    """``json.loads`` with repairs for the usual model mistakes; None when hopeless."""
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _LINE_COMMENT.sub("", text.translate(_SMART_QUOTES)))
    try:
        return json.loads(repaired)
    except ValueError:
        pass
    # Single-quoted keys and True/False/None: a Python literal is close enough.
    pythonic = re.sub(r"\btrue\b", "True", repaired)
    pythonic = re.sub(r"\bfalse\b", "False", pythonic)
    pythonic = re.sub(r"\bnull\b", "None", pythonic)
    try:
        return ast.literal_eval(pythonic)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _candidates(text: str) -> Iterator[str]:
    yield text
    for match in _FENCE.finditer(text):
        yield match.group(2)
    yield from balanced_spans(text)


def balanced_spans(text: str) -> Iterator[str]:
    """Top-level ``{...}`` / ``[...]`` spans, skipping brackets inside strings."""
    pairs = {"{": "}", "[": "]"}
    start = 0
    # Bounded so a long reply full of stray brackets cannot cost quadratic time.
    for _ in range(_MAX_SPANS):
        opens = [i for i in (text.find("{", start), text.find("[", start)) if i >= 0]
        if not opens:
            return
        begin = min(opens)
        end = _matching_close(text, begin, pairs)
        if end is None:
            start = begin + 1
            continue
        yield text[begin : end + 1]
        start = end + 1


def _matching_close(text: str, begin: int, pairs: dict[str, str]) -> int | None:
    stack: list[str] = []
    quote: str | None = None
    escaped = False
    for i in range(begin, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch == '"':
            quote = ch
        elif ch in pairs:
            stack.append(pairs[ch])
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None
            if not stack:
                return i
    return None
