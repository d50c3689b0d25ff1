"""Parsers for the source's HTML pages, the fallback when its JSON API is unavailable.

The pages embed JavaScript object literals (unquoted keys):
``{web}/app`` holds one ``chute_id:"<id>",name:"<name>"`` per chute, and the
vLLM-served LLMs carry ``standard_template:"vllm"`` in the same object;
``{web}/app/chute/<id>?tab=stats`` holds one literal per day, keys as in the
JSON API. Objects are located by their braces (strings skipped), so a
``standard_template`` belonging to a neighbouring chute is never borrowed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from zebench.throughput.records import (
    CHUTE_ID,
    CatalogueEntry,
    DailyStat,
    RecordError,
)

_STRING = r'"(?:[^"\\\n]|\\.)*"'
_CATALOGUE_ITEM = re.compile(
    r'"?chute_id"?\s*:\s*"([^"\\]*)"\s*,\s*"?name"?\s*:\s*(' + _STRING + ")"
)
_VLLM = re.compile(r'"?standard_template"?\s*:\s*"vllm"')
_TOKENS = re.compile(_STRING + r"|[{}]")
_FLAT_OBJECT = re.compile(r"\{([^{}]*)\}")
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_PAIR = re.compile(
    r'"?([A-Za-z_$][\w$]*)"?\s*:\s*(' + _STRING + "|" + _NUMBER + r"|null|void 0|true|false)"
)
_KEY = re.compile(r'"?([A-Za-z_$][\w$]*)"?\s*:')
_STAT_FIELDS = (
    "chute_id",
    "date",
    "total_requests",
    "total_input_tokens",
    "total_output_tokens",
    "average_tps",
    "average_ttft",
)
_UNENCLOSED_WINDOW = 1500
"""Characters either side searched for the vLLM marker when a literal has no enclosing braces."""


def parse_catalogue_html(page: str) -> list[CatalogueEntry]:
    """The vLLM chutes listed on the catalogue page, in page order, each id once."""
    matches = list(_CATALOGUE_ITEM.finditer(page))
    spans = _enclosing_objects(page, [m.start() for m in matches])
    entries: list[CatalogueEntry] = []
    seen: set[str] = set()
    for index, (match, span) in enumerate(zip(matches, spans, strict=True)):
        chute_id = match.group(1)
        if chute_id in seen or not CHUTE_ID.match(chute_id):
            continue
        if span is None:
            lo = matches[index - 1].end() if index else 0
            hi = matches[index + 1].start() if index + 1 < len(matches) else len(page)
            span = (
                max(lo, match.start() - _UNENCLOSED_WINDOW),
                min(hi, match.end() + _UNENCLOSED_WINDOW),
            )
        if not _VLLM.search(page, span[0], span[1]):
            continue
        name = _js_string(match.group(2)).strip()
        if not name:
            continue
        seen.add(chute_id)
        entries.append(CatalogueEntry(chute_id=chute_id, name=name))
    return entries


def parse_stats_html(page: str, chute_id: str) -> list[DailyStat]:
    """The daily rows of ``chute_id`` on its stats page, one per date, in page order.

    Raises ``RecordError`` when the page holds no row for the chute or a row is malformed.
    """
    days: list[DailyStat] = []
    seen: set[str] = set()
    for match in _FLAT_OBJECT.finditer(page):
        body = match.group(1)
        if "date" not in body or "chute_id" not in body:
            continue
        values = _literal_values(body)
        if values.get("chute_id") != chute_id or "date" not in values:
            continue
        keys = _keys(body)
        unreadable = [k for k in _STAT_FIELDS if k in keys and k not in values]
        if unreadable:
            raise RecordError(f"{unreadable[0]}: unreadable value in {body[:120]!r}")
        day = DailyStat.from_mapping(values)
        if day.date not in seen:
            seen.add(day.date)
            days.append(day)
    if not days:
        raise RecordError(f"no daily statistics for chute {chute_id} on its stats page")
    return days


def _literal_values(body: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in _PAIR.findall(body):
        values.setdefault(key, _value(raw))
    return values


def _keys(body: str) -> set[str]:
    return set(_KEY.findall(body))


def _value(raw: str) -> Any:
    if raw.startswith('"'):
        return _js_string(raw)
    if raw in ("null", "void 0"):
        return None
    if raw in ("true", "false"):
        return raw == "true"
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return float(raw)


def _js_string(literal: str) -> str:
    try:
        value = json.loads(literal)
    except ValueError:  # a JS-only escape such as \x41; keep the text as written
        return literal[1:-1]
    return value if isinstance(value, str) else literal[1:-1]


def _enclosing_objects(page: str, positions: list[int]) -> list[tuple[int, int] | None]:
    """For each position (sorted), the span of the innermost ``{…}`` around it.

    An object left open by a truncated page extends to the end of the page.
    """
    if not positions:
        return []
    stack: list[int] = []
    inner_open: list[int | None] = [None] * len(positions)
    closes: dict[int, int] = {}
    next_pos = 0
    for token in _TOKENS.finditer(page):
        start = token.start()
        while next_pos < len(positions) and positions[next_pos] < start:
            inner_open[next_pos] = stack[-1] if stack else None
            next_pos += 1
        text = token.group()
        if text == "{":
            stack.append(start)
        elif text == "}" and stack:
            closes[stack.pop()] = token.end()
    while next_pos < len(positions):
        inner_open[next_pos] = stack[-1] if stack else None
        next_pos += 1
    spans: list[tuple[int, int] | None] = []
    for open_at in inner_open:
        if open_at is None:
            spans.append(None)
        else:
            spans.append((open_at, closes.get(open_at, len(page))))
    return spans
