"""A model's leaderboard figures from its daily rows. Pure: no I/O, no clock.

Two families of figures are kept side by side:

* the original's, for continuity: ``latest_*`` is the newest row (even
  today's partial day), ``avg_7d``/``avg_30d`` the plain mean of the newest
  7/30 rows' TPS whatever their dates (rows without a TPS left out),
  ``peak_tps`` the best daily TPS;
* better ones: ``full_day_*`` is the newest *complete* day, and
  ``tps_7d_weighted``/``tps_30d_weighted`` (and the TTFT pair) average the 7/30
  complete calendar days before ``today``, each day weighted by its requests,
  so a quiet day with a fluky speed cannot move the figure, days without
  traffic are not invented, and the figure does not drift during the day.

A day is partial when it is ``today`` (UTC) or later: the source rebuilds
today's row every few minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from zebench.throughput.records import DailyStat

TREND_DAYS = 30
"""Calendar days in the sparkline, ending today."""


@dataclass(frozen=True, slots=True)
class ModelFigures:
    latest_date: str | None
    latest_tps: float | None
    latest_ttft: float | None
    latest_requests: int | None
    latest_is_partial: bool
    avg_7d: float | None
    avg_30d: float | None
    peak_tps: float | None
    peak_date: str | None
    full_day_date: str | None
    full_day_tps: float | None
    full_day_ttft: float | None
    full_day_requests: int | None
    tps_7d_weighted: float | None
    tps_30d_weighted: float | None
    ttft_7d_weighted: float | None
    ttft_30d_weighted: float | None
    requests_7d: int
    requests_30d: int
    days_tracked: int
    trend_tps: tuple[float | None, ...]
    """Daily TPS over the ``TREND_DAYS`` calendar days ending today, oldest first."""


def is_partial(day: str, today: date) -> bool:
    return day >= today.isoformat()


def summarise(days: Iterable[DailyStat], today: date) -> ModelFigures:
    """Figures for one model. ``days`` may come in any order; one row per date is assumed."""
    newest_first = sorted(days, key=lambda d: d.date, reverse=True)
    latest = newest_first[0] if newest_first else None
    full = next((d for d in newest_first if not is_partial(d.date, today)), None)
    peak = max(
        (d for d in newest_first if d.average_tps is not None),
        key=lambda d: d.average_tps or 0.0,
        default=None,
    )
    week = _complete_days_before(newest_first, today, 7)
    month = _complete_days_before(newest_first, today, 30)
    return ModelFigures(
        latest_date=latest.date if latest else None,
        latest_tps=latest.average_tps if latest else None,
        latest_ttft=latest.average_ttft if latest else None,
        latest_requests=latest.total_requests if latest else None,
        latest_is_partial=bool(latest and is_partial(latest.date, today)),
        avg_7d=_mean(d.average_tps for d in newest_first[:7]),
        avg_30d=_mean(d.average_tps for d in newest_first[:30]),
        peak_tps=peak.average_tps if peak else None,
        peak_date=peak.date if peak else None,
        full_day_date=full.date if full else None,
        full_day_tps=full.average_tps if full else None,
        full_day_ttft=full.average_ttft if full else None,
        full_day_requests=full.total_requests if full else None,
        tps_7d_weighted=_weighted(week, "average_tps"),
        tps_30d_weighted=_weighted(month, "average_tps"),
        ttft_7d_weighted=_weighted(week, "average_ttft"),
        ttft_30d_weighted=_weighted(month, "average_ttft"),
        requests_7d=sum(d.total_requests or 0 for d in week),
        requests_30d=sum(d.total_requests or 0 for d in month),
        days_tracked=len(newest_first),
        trend_tps=trend(newest_first, today),
    )


def trend(
    days: Iterable[DailyStat], today: date, span: int = TREND_DAYS
) -> tuple[float | None, ...]:
    by_date = {d.date: d.average_tps for d in days}
    first = today - timedelta(days=span - 1)
    return tuple(by_date.get((first + timedelta(days=i)).isoformat()) for i in range(span))


def _complete_days_before(
    newest_first: Sequence[DailyStat], today: date, n: int
) -> list[DailyStat]:
    """Rows dated in the ``n`` calendar days ending the day before ``today``."""
    first = (today - timedelta(days=n)).isoformat()
    last = (today - timedelta(days=1)).isoformat()
    return [d for d in newest_first if first <= d.date <= last]


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _weighted(days: Sequence[DailyStat], attr: str) -> float | None:
    total = 0.0
    weight = 0
    for day in days:
        value: float | None = getattr(day, attr)
        requests = day.total_requests or 0
        if value is None or requests <= 0:
            continue
        total += value * requests
        weight += requests
    return total / weight if weight else None
