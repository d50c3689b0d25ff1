"""The limits every value accepted by the service must respect, in one place.

The single and the bulk ``POST /api/results``, ``POST /api/results/batch``,
imports and the query parameters of list reads all validate through these
bounds, so what one path accepts the others accept too, and identically on
SQLite and PostgreSQL. Each bound keeps a stored value readable by every page,
API read and export:

- integers fit their column (``toolCalls`` is a 32-bit column) and per-run
  counts stay small enough that the statistics' sums over millions of runs fit
  in 64 bits;
- reals are finite and at most ``REAL_LIMIT`` in size, so sums and sums of
  squares in the pre-aggregates stay finite on both engines (PostgreSQL raises
  on a float overflow where SQLite would store infinity);
- times are those of years 0001 to 9999 (what ISO 8601 without an expanded year,
  the API's time format, can write);
- text holds no NUL (PostgreSQL cannot store it) and names fit their columns;
  ids are path segments, so hold no ``/``;
- JSON documents (``metadata``, transcripts) hold only finite numbers, integers
  within 64 bits (what JSON readers in other languages and orjson read back
  exactly) and at most ``MAX_JSON_DEPTH`` levels of nesting.

This module has no I/O and imports no framework beyond pydantic's types.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1

COUNT_LIMIT = 10**12
"""Tokens, durations (ms) per run: 10^12 (31 years of milliseconds)."""
REAL_LIMIT = 1e12
"""Largest size of a score, a cost, a success metric, and of score / maxScore."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_TIME = datetime(1, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
MIN_TIME_MS = (MIN_TIME - EPOCH) // timedelta(milliseconds=1)
MAX_TIME_MS = (MAX_TIME - EPOCH) // timedelta(milliseconds=1)

ID_LENGTH = 200
"""runId, batchId (their columns are VARCHAR(200))."""
NAME_LENGTH = 200
"""suite, scenario, agent, evaluatorName, specialistName."""
MODEL_LENGTH = 300
TIER_LENGTH = 50
VERSION_LENGTH = 100
"""specialistVersion."""

MAX_JSON_DEPTH = 64
"""Nesting levels of a stored JSON document (the JSON libraries in use stop near 255)."""

LIST_LIMIT_MAX = 1_000_000
"""The largest ``limit`` of ``GET /api/runs`` and ``GET /api/batches`` (long run
lists stream: ``zebench.service.run_stream``)."""
OFFSET_MAX = 2**53 - 1
"""The largest ``offset`` (the largest integer JavaScript holds exactly)."""


def _error(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx)


def _text(value: str) -> str:
    if "\x00" in value:
        raise _error("nul_character", "must not contain NUL (\\u0000) characters")
    return value


def _identifier(value: str) -> str:
    _text(value)
    if "/" in value:
        raise _error("slash_in_id", "must not contain '/' (ids are URL path segments)")
    return value


def _real(value: float) -> float:
    if not math.isfinite(value) or abs(value) > REAL_LIMIT:
        raise _error(
            "real_out_of_range",
            "must be a finite number between -{limit} and {limit}",
            limit=f"{REAL_LIMIT:g}",
        )
    return value


def _time(value: datetime) -> datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        utc = aware.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not MIN_TIME <= utc <= MAX_TIME:
        raise _error("time_out_of_range", "must be between 0001-01-01T00:00:00Z and 9999-12-31Z")
    # The value as sent, not converted: the content hash of a result depends on it.
    return value


Text = Annotated[str, AfterValidator(_text)]
"""Free text (details, paths, prompts): any length the body limit allows, no NUL."""
Name = Annotated[str, Field(min_length=1, max_length=NAME_LENGTH), AfterValidator(_text)]
"""suite, scenario, agent, evaluatorName."""
OptionalName = Annotated[str, Field(max_length=NAME_LENGTH), AfterValidator(_text)]
"""specialistName."""
ModelName = Annotated[str, Field(max_length=MODEL_LENGTH), AfterValidator(_text)]
Tier = Annotated[str, Field(min_length=1, max_length=TIER_LENGTH), AfterValidator(_text)]
Version = Annotated[str, Field(max_length=VERSION_LENGTH), AfterValidator(_text)]
Identifier = Annotated[str, Field(min_length=1, max_length=ID_LENGTH), AfterValidator(_identifier)]
"""runId, batchId."""
Real = Annotated[float, AfterValidator(_real)]
Count = Annotated[int, Field(ge=0, le=COUNT_LIMIT)]
Count32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
Time = Annotated[datetime, AfterValidator(_time)]
EpochMs = Annotated[
    int,
    Field(ge=MIN_TIME_MS, le=MAX_TIME_MS, description="epoch milliseconds (years 0001-9999)"),
]


def check_json(value: Any) -> Any:
    """``value`` if it is a JSON document every store and reader takes back exactly:
    finite numbers, integers within 64 bits, bounded nesting (strings may hold any
    character: stored as JSON text, a NUL is the escape ``\\u0000``).
    Raises naming the offending place (``a.b.0``) otherwise."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _json_error(where, f"nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((inner, _join(where, key), depth + 1) for key, inner in item.items())
        elif isinstance(item, list):
            stack.extend((inner, _join(where, i), depth + 1) for i, inner in enumerate(item))
        elif isinstance(item, int) and not isinstance(item, bool):
            if not -(2**63) <= item <= INT64_MAX:
                raise _json_error(where, "is an integer outside the signed 64-bit range")
        elif isinstance(item, float) and not math.isfinite(item):
            raise _json_error(where, "is not a finite number (NaN or Infinity)")
    return value


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _json_error(where: str, problem: str) -> PydanticCustomError:
    place = f"the value at '{where}'" if where else "the value"
    return _error("json_out_of_range", "{place} {problem}", place=place, problem=problem)
