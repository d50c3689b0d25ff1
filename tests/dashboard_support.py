"""Helpers for the dashboard tests: seeded databases, servers on loopback, and the
figures the pages must show, computed here independently from the generated results."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from contextlib import contextmanager

from demo_data import Generated, generate, store
from loopback import AppServer, app_settings, fresh_pg_database, serving_app
from xss_fixtures import with_xss_runs
from zebench.model.results import ResultIn
from zebench.store.database import Database
from zebench.store.migrate import upgrade

SEED = 11
NOW_MS = 1_790_000_000_000  # a fixed "now" (2026-09-21) so dates in pages are stable


@contextmanager
def fresh_pg_url() -> Iterator[str]:
    with fresh_pg_database("zebench_web") as url:
        yield url


def generated(runs: int = 160, batches: int = 4) -> Generated:
    """Generated results plus the hostile batch the escaping tests look for (the newest)."""
    data = generate(runs=runs, batches=batches, days=20, seed=SEED, now=NOW_MS)
    return with_xss_runs(data, NOW_MS - 2 * 3_600_000)


@contextmanager
def seeded(url: str, data: Generated | None) -> Iterator[Database]:
    db = Database(url)
    try:
        upgrade(db)
        if data is not None:
            store(db, data)
        yield db
    finally:
        db.close()


@contextmanager
def serve(db: Database) -> Iterator[AppServer]:
    """The whole app (API + dashboard) on a loopback port, over ``db``."""
    with serving_app(app_settings(db.url), db) as server:
        yield server


# --- the figures, computed from the generated results without the dashboard's code -------


def scored(results: list[ResultIn]) -> list[float]:
    return [
        r.weighted_score
        for r in results
        if r.status == "completed" and r.weighted_score is not None
    ]


def successful(results: list[ResultIn]) -> int:
    return sum(1 for r in results if r.status == "completed" and r.is_successful)


def total_cost(results: list[ResultIn]) -> float:
    return math.fsum(
        r.telemetry.cost_usd for r in results if r.telemetry and r.telemetry.cost_usd is not None
    )


def reported_cost(results: list[ResultIn]) -> float | None:
    """The group's total cost, or None when none of its runs reported one."""
    if not any(r.telemetry and r.telemetry.cost_usd is not None for r in results):
        return None
    return total_cost(results)


def by_pair(results: list[ResultIn]) -> dict[tuple[str, str | None], list[ResultIn]]:
    out: dict[tuple[str, str | None], list[ResultIn]] = {}
    for r in results:
        out.setdefault((r.agent, r.model), []).append(r)
    return out


def t95(df: int) -> float:
    """Student's t 97.5% quantile from a printed table (df 1-30) and the normal beyond."""
    table = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]  # fmt: skip
    if 1 <= df <= 30:
        return table[df - 1]
    if df > 30:
        return 1.96 + 2.4 / df  # within 0.002 of the true value for df > 30
    raise ValueError(df)


def ci95(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    return t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def median_duration(results: list[ResultIn]) -> float | None:
    values = [
        r.telemetry.duration_ms
        for r in results
        if r.telemetry and r.telemetry.duration_ms is not None
    ]
    return statistics.median(values) if values else None


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def money(value: float) -> str:
    return f"${value:.4f}" if value and abs(value) < 0.01 else f"${value:,.2f}"
