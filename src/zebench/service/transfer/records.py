"""What an import reads: batches, runs, and the records it could not read.

Every source (the original's SQL dump, an old ``benchmarks.db``, our own JSONL
export) turns into this one stream, so storing and counting happen in one place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from zebench.model.results import BatchIn, ResultIn

BATCH_KIND = "batch"
"""JSONL lines whose ``kind`` is this are batches; every other line is one run (a ResultIn)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SHORT_YEAR = re.compile(r"^(\d{1,3})(?=-\d\d-\d\d)")


def _four_digits(match: re.Match[str]) -> str:
    return match.group(1).zfill(4)


def four_digit_year(value: Any) -> Any:
    """An ISO time as exports made before four-digit years wrote year 1 (``1-01-01T…``),
    with its year padded; any other value unchanged."""
    return _SHORT_YEAR.sub(_four_digits, value) if isinstance(value, str) else value


# Numbers below this are epoch seconds, above it epoch milliseconds (1e11 s is year 5138).
_SECONDS_LIMIT = 100_000_000_000


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    """A record that cannot be stored, and why (shown to the user as one line)."""

    where: str
    message: str
    run_id: str | None = None

    def describe(self) -> str:
        run = f" run {self.run_id!r}" if self.run_id else ""
        return f"{self.where}{run}: {self.message}"


Record = BatchIn | ResultIn | UnreadableRecord


def explain(exc: ValidationError) -> str:
    """The first problem of a validation error, naming the field as the API spells it."""
    first = exc.errors(include_url=False)[0]
    loc = ".".join(str(part) for part in first["loc"]) or "record"
    extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{loc}: {first['msg']}{extra}"


def parse_time(value: Any) -> datetime | None:
    """A time as the original stored it: ISO 8601 text, SQLite's ``YYYY-MM-DD HH:MM:SS``
    (UTC), or epoch seconds/milliseconds. ``None`` for an empty value; ``ValueError``
    when it is none of these."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            try:
                # Exports made before times were written with four-digit years
                # spelled year 1 as "1-01-01T...": read those back too.
                parsed = datetime.fromisoformat(four_digit_year(text))
            except ValueError:
                raise ValueError(f"not a time: {value!r}") from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        ms = value if abs(value) >= _SECONDS_LIMIT else value * 1000
        try:
            return _EPOCH + timedelta(milliseconds=round(ms))
        except (OverflowError, ValueError):
            raise ValueError(f"not a time of years 0001-9999: {value!r}") from None
    raise ValueError(f"not a time: {value!r}")


def time_ms(value: Any) -> int | None:
    """``parse_time`` as epoch milliseconds (how batch times are stored and exported)."""
    parsed = parse_time(value)
    if parsed is None:
        return None
    return (parsed - _EPOCH) // timedelta(milliseconds=1)


def parse_flag(value: Any) -> bool:
    """0/1, true/false (any case) or NULL, as SQLite and D1 stored booleans."""
    if value is None:
        return False
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"1", "true", "t", "yes"}:
            return True
        if text in {"0", "false", "f", "no", ""}:
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def parse_metadata(value: Any) -> dict[str, Any] | None:
    """Metadata text as a JSON object. Text that is not an object is kept whole under
    ``legacyMetadata`` rather than dropped."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if isinstance(value, str | bytes) else value
    except ValueError:
        return {"legacyMetadata": value}
    if isinstance(parsed, dict):
        return parsed
    return {"legacyMetadata": parsed}
