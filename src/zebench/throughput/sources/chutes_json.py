"""Parsers for the source's JSON: the daily statistics of every chute, and the catalogue.

``GET {api}/invocations/stats/llm`` answers a JSON array of
``{chute_id, name, date, total_requests, total_input_tokens,
total_output_tokens, average_tps, average_ttft}``, newest date first.
``GET {llm}/v1/models`` answers an OpenAI-style ``{"object": "list", "data":
[{id, chute_id, pricing: {prompt, completion}, ...}]}``.

A document of the wrong shape raises ``RecordError`` (the cycle then changes
nothing); a bad row only disqualifies its own chute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zebench.throughput.records import CatalogueEntry, DailyStat, RecordError, chute_id_field


@dataclass
class ParsedStats:
    days: dict[str, list[DailyStat]] = field(default_factory=dict)
    """Usable chutes and their days, in source order, one row per date."""
    broken: dict[str, str] = field(default_factory=dict)
    """Chutes with a malformed row, and the first problem found."""
    dropped_rows: int = 0
    """Rows that name no usable chute, so cannot be attributed to any."""


@dataclass
class ParsedCatalogue:
    entries: list[CatalogueEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Why each unusable entry was left out."""


def parse_daily_stats(document: Any) -> ParsedStats:
    if not isinstance(document, list):
        raise RecordError(f"expected a JSON array of daily rows, got {type(document).__name__}")
    parsed = ParsedStats()
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(document):
        if not isinstance(raw, Mapping):
            parsed.dropped_rows += 1
            continue
        try:
            chute_id = chute_id_field(raw.get("chute_id"))
        except RecordError:
            parsed.dropped_rows += 1
            continue
        if chute_id in parsed.broken:
            continue
        try:
            day = DailyStat.from_mapping(raw)
        except RecordError as exc:
            parsed.broken[chute_id] = f"row {index}: {exc}"
            parsed.days.pop(chute_id, None)
            continue
        key = (chute_id, day.date)
        if key in seen:  # the source lists newest first; a repeated day adds nothing newer
            continue
        seen.add(key)
        parsed.days.setdefault(chute_id, []).append(day)
    return parsed


def parse_catalogue(document: Any) -> ParsedCatalogue:
    items = document.get("data") if isinstance(document, Mapping) else document
    if not isinstance(items, list):
        raise RecordError('expected {"data": [...]} listing the models')
    parsed = ParsedCatalogue()
    seen: set[str] = set()
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            parsed.skipped.append(f"data[{index}]: expected an object")
            continue
        name = raw.get("id")
        if not isinstance(name, str) or not name.strip():
            parsed.skipped.append(f"data[{index}].id: expected the model name, got {name!r}")
            continue
        try:
            chute_id = chute_id_field(raw.get("chute_id"))
        except RecordError as exc:
            parsed.skipped.append(f"data[{index}] ({name}).{exc}")
            continue
        if chute_id in seen:
            continue
        seen.add(chute_id)
        prompt, completion = _prices(raw)
        parsed.entries.append(CatalogueEntry(chute_id, name.strip(), prompt, completion))
    return parsed


def _prices(raw: Mapping[str, Any]) -> tuple[float | None, float | None]:
    pricing = raw.get("pricing")
    if isinstance(pricing, Mapping):
        return _price(pricing.get("prompt")), _price(pricing.get("completion"))
    # Older catalogue shape: {"price": {"input": {"usd": x}, "output": {"usd": y}}}.
    price = raw.get("price")
    if isinstance(price, Mapping):
        return _usd(price.get("input")), _usd(price.get("output"))
    return None, None


def _usd(value: Any) -> float | None:
    return _price(value.get("usd")) if isinstance(value, Mapping) else None


def _price(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)
