"""Conversions between the API's ISO timestamps and the store's epoch milliseconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def to_ms(value: datetime) -> int:
    """Epoch milliseconds (floored), computed exactly: no float in between, so times
    of year 0001 and sub-millisecond parts before 1970 convert as they should."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _MS


def to_iso(ms: int | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and a ``Z``, as JavaScript's toISOString writes it.

    Total: a year outside 0000-9999 is written in the expanded form toISOString
    uses (``+010000-01-01T00:00:00.000Z``), so a stored value out of range still
    reads back as what it is instead of failing the read.
    """
    if ms is None:
        return None
    days, rest = divmod(ms, DAY_MS)
    year, month, day = _civil(days)
    seconds, milli = divmod(rest, 1000)
    hour, seconds = divmod(seconds, 3600)
    minute, second = divmod(seconds, 60)
    sign = "" if 0 <= year <= 9999 else "-" if year < 0 else "+"
    year_text = f"{abs(year):04d}" if not sign else f"{sign}{abs(year):06d}"
    return f"{year_text}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{milli:03d}Z"


def _civil(days: int) -> tuple[int, int, int]:
    """(year, month, day) of the proleptic Gregorian calendar ``days`` after 1970-01-01,
    for any integer (year 0 is 1 BC, as in ISO 8601)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day
