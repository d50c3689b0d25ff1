"""The source's records, validated: one day of one chute, and one catalogue entry.

Both sources (the JSON API and the HTML pages) produce these, so everything
downstream (summaries, storage) is independent of where the numbers came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

CHUTE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
"""Chute ids are UUIDs in practice; anything else must at least be safe in a URL path."""


class RecordError(ValueError):
    """A record that cannot be used; the message names the field and the value."""


@dataclass(frozen=True, slots=True)
class DailyStat:
    """One chute's figures for one UTC calendar day, as the source reports them."""

    chute_id: str
    name: str | None
    date: str
    total_requests: int | None
    total_input_tokens: int | None
    total_output_tokens: int | None
    average_tps: float | None
    average_ttft: float | None
    """Seconds."""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> DailyStat:
        """Validate one source row; raises ``RecordError`` naming the field at fault."""
        name = raw.get("name")
        return cls(
            chute_id=chute_id_field(raw.get("chute_id")),
            name=name if isinstance(name, str) and name else None,
            date=_date_field(raw.get("date")),
            total_requests=_count_field(raw, "total_requests"),
            total_input_tokens=_count_field(raw, "total_input_tokens"),
            total_output_tokens=_count_field(raw, "total_output_tokens"),
            average_tps=_rate_field(raw, "average_tps"),
            average_ttft=_rate_field(raw, "average_ttft"),
        )


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A model the source currently serves."""

    chute_id: str
    name: str
    price_prompt: float | None = None
    """USD per million input tokens."""
    price_completion: float | None = None
    """USD per million output tokens."""


def chute_id_field(value: Any) -> str:
    if not isinstance(value, str) or not _is_chute_id(value):
        raise RecordError(
            f"chute_id: expected an id of letters, digits, '.', '_' or '-', got {value!r}"
        )
    return value


def _date_field(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 10 or not _is_date(value):
        raise RecordError(f"date: expected YYYY-MM-DD, got {value!r}")
    return value


# A statistics document repeats a few thousand ids and a few hundred dates across
# ~100,000 rows: remembering the verdicts makes validation cheap.
@lru_cache(maxsize=8192)
def _is_chute_id(value: str) -> bool:
    return CHUTE_ID.match(value) is not None


@lru_cache(maxsize=4096)
def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# These run for every field of every row (~500,000 calls a cycle): exact type tests
# (which also keep bools out) and no allocation on the common path.


def _count_field(raw: Mapping[str, Any], key: str) -> int | None:
    value = _non_negative(raw, key, "a count >= 0")
    return None if value is None else int(value)


def _rate_field(raw: Mapping[str, Any], key: str) -> float | None:
    value = _non_negative(raw, key, "a finite number >= 0")
    return None if value is None else float(value)


def _non_negative(raw: Mapping[str, Any], key: str, expected: str) -> float | None:
    """``raw[key]`` when it is a finite number >= 0 (an int or a float, not a bool)."""
    value: Any = raw.get(key)
    if value is None:
        return None
    if type(value) not in (int, float):
        raise RecordError(f"{key}: expected a number, got {value!r}")
    if 0 <= value < math.inf:
        return value  # type: ignore[no-any-return]
    raise RecordError(f"{key}: expected {expected}, got {value!r}")
