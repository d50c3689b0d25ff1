"""Summaries against values computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

from datetime import date

import pytest

from zebench.throughput.records import DailyStat
from zebench.throughput.summaries import summarise

TODAY = date(2025, 3, 10)


def day(d: str, requests: int | None, tps: float | None, ttft: float | None) -> DailyStat:
    return DailyStat("c1", "m", d, requests, None, None, tps, ttft)


# date, requests, tps, ttft. 2025-03-07 is missing (an outage).
ROWS = [
    day("2025-03-10", 100, 50.0, 1.0),  # today: partial
    day("2025-03-09", 1000, 40.0, 2.0),
    day("2025-03-08", 3000, 20.0, 1.0),
    day("2025-03-06", 0, None, None),  # no traffic, no speed
    day("2025-03-05", 1000, 60.0, 3.0),
    day("2025-03-04", 500, 30.0, 1.0),
    day("2025-03-03", 500, 10.0, 1.0),  # first day of the 7-day window
    day("2025-03-02", 2000, 80.0, 0.5),  # in the 30-day window only
    day("2025-02-01", 1000, 100.0, 0.5),  # older than 30 days
]


def test_the_originals_figures() -> None:
    f = summarise(reversed(ROWS), TODAY)  # any input order
    assert (f.latest_date, f.latest_tps, f.latest_ttft, f.latest_requests) == (
        "2025-03-10",
        50.0,
        1.0,
        100,
    )
    # Newest 7 rows, whatever their dates: 03-10..03-03 less the missing 03-07;
    # 03-06 has no TPS: (50 + 40 + 20 + 60 + 30 + 10) / 6 = 35.
    assert f.avg_7d == pytest.approx(35.0)
    # All 9 rows are among the newest 30; 8 have a TPS: 390 / 8 = 48.75.
    assert f.avg_30d == pytest.approx(48.75)
    assert (f.peak_tps, f.peak_date) == (100.0, "2025-02-01")


def test_partial_day_and_newest_complete_day() -> None:
    f = summarise(ROWS, TODAY)
    assert f.latest_is_partial is True
    assert (f.full_day_date, f.full_day_tps, f.full_day_ttft, f.full_day_requests) == (
        "2025-03-09",
        40.0,
        2.0,
        1000,
    )


def test_calendar_windows_weighted_by_requests() -> None:
    f = summarise(ROWS, TODAY)
    # 7 complete days 03-03..03-09 (today excluded):
    #   TPS  (1000*40 + 3000*20 + 1000*60 + 500*30 + 500*10) / 6000 = 180000 / 6000 = 30
    #   TTFT (1000*2 + 3000*1 + 1000*3 + 500*1 + 500*1) / 6000 = 9000 / 6000 = 1.5
    assert f.tps_7d_weighted == pytest.approx(30.0)
    assert f.ttft_7d_weighted == pytest.approx(1.5)
    assert f.requests_7d == 6000
    # 30 complete days 02-08..03-09 add 03-02 (2000 requests at 80 TPS, 0.5 s):
    #   TPS  (180000 + 160000) / 8000 = 42.5;  TTFT (9000 + 1000) / 8000 = 1.25
    assert f.tps_30d_weighted == pytest.approx(42.5)
    assert f.ttft_30d_weighted == pytest.approx(1.25)
    assert f.requests_30d == 8000
    assert f.days_tracked == 9


def test_trend_covers_thirty_calendar_days_ending_today() -> None:
    trend = summarise(ROWS, TODAY).trend_tps
    assert len(trend) == 30  # 02-09 .. 03-10
    assert trend[-1] == 50.0  # today
    assert trend[-4] is None  # 03-07, missing
    assert trend[-5] is None  # 03-06, no speed
    assert trend[-9] == 80.0  # 03-02
    assert trend[:-9] == (None,) * 21  # 02-09 .. 03-01: no rows (02-01 is older)


def test_a_source_that_stopped_updating_is_not_partial_and_has_empty_windows() -> None:
    stale = [day("2025-02-20", 400, 70.0, 0.9), day("2025-02-19", 600, 50.0, 1.1)]
    f = summarise(stale, TODAY)
    assert f.latest_is_partial is False
    assert f.full_day_date == "2025-02-20"
    assert f.tps_7d_weighted is None and f.requests_7d == 0
    # 30-day window 02-08..03-09: (400*70 + 600*50) / 1000 = 58
    assert f.tps_30d_weighted == pytest.approx(58.0)


def test_only_today_so_far() -> None:
    f = summarise([day("2025-03-10", 12, 33.0, 0.7)], TODAY)
    assert f.latest_tps == 33.0 and f.latest_is_partial
    assert f.full_day_date is None and f.full_day_tps is None
    assert f.tps_7d_weighted is None and f.tps_30d_weighted is None
    assert f.avg_7d == 33.0 and f.peak_tps == 33.0


def test_no_rows_at_all() -> None:
    f = summarise([], TODAY)
    assert f.latest_date is None and f.latest_tps is None and not f.latest_is_partial
    assert f.avg_7d is None and f.peak_tps is None and f.days_tracked == 0
    assert f.trend_tps == (None,) * 30


def test_days_with_requests_but_no_speed_do_not_weigh() -> None:
    rows = [day("2025-03-09", 900, None, None), day("2025-03-08", 100, 20.0, 2.0)]
    f = summarise(rows, TODAY)
    assert f.tps_7d_weighted == pytest.approx(20.0)
    assert f.requests_7d == 1000  # traffic still counts as traffic
