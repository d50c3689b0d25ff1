"""The scrape lease: one scraper per tick, however many processes share the database."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fake_chutes import HOLD_LIMIT_S, FakeChutes
from throughput_support import TODAY, DayClock, scrape_settings

from zebench.store.database import Database
from zebench.store.migrate import upgrade
from zebench.throughput import CycleSummary, Scraper
from zebench.throughput.lease import SCRAPE_LEASE, LeaseLost, release, state, try_acquire

STATS = "/invocations/stats/llm"
JOB_LIMIT_S = 60.0
# Above the fake's HOLD_LIMIT_S: a held request is never timed out and retried by the client.
SCRAPE_TIMEOUT_S = 2 * HOLD_LIMIT_S


def acquire(db: Database, holder: str, now: int, tick: int, ttl: int = 500) -> bool:
    return db.write(
        lambda c: try_acquire(
            c, name=SCRAPE_LEASE, holder=holder, now_ms=now, ttl_ms=ttl, tick_ms=tick
        )
    )


def test_lease_rules(db: Database) -> None:
    assert acquire(db, "a", now=1000, tick=1000)
    assert not acquire(db, "b", now=1200, tick=2000)  # held by a until 1500
    assert acquire(db, "a", now=1300, tick=2000)  # a may renew (until 1800)
    db.write(lambda c: release(c, name=SCRAPE_LEASE, holder="a"))
    assert not acquire(db, "b", now=1400, tick=2000)  # tick 2000 was already run
    assert acquire(db, "b", now=1400, tick=3000)
    with pytest.raises(LeaseLost):
        db.write(lambda c: release(c, name=SCRAPE_LEASE, holder="a"))
    assert acquire(db, "a", now=1901, tick=4000)  # b's lease (until 1900) expired
    with db.read() as conn:
        current = state(conn, SCRAPE_LEASE)
    assert current is not None
    assert (current.holder, current.expires_at, current.cycle_at) == ("a", 2401, 4000)


def run_in_threads(jobs: list[Callable[[], CycleSummary]]) -> list[CycleSummary]:
    """Each job on its own thread and event loop, started together, like separate processes."""
    barrier = threading.Barrier(len(jobs))
    results: list[CycleSummary] = []
    errors: list[BaseException] = []

    def runner(job: Callable[[], CycleSummary]) -> None:
        try:
            barrier.wait(timeout=JOB_LIMIT_S)
            results.append(job())
        except BaseException as exc:
            errors.append(exc)

    # Daemon threads: a job stuck by a failure must not keep pytest from exiting.
    threads = [threading.Thread(target=runner, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOB_LIMIT_S)
    assert not any(thread.is_alive() for thread in threads), "a job did not finish"
    assert not errors, errors
    return results


@pytest.mark.postgres
def test_concurrent_scrapers_on_postgresql_run_one_cycle_per_tick(
    pg_url: str, chutes: FakeChutes
) -> None:
    first = Database(pg_url)
    upgrade(first)
    databases = [first, *(Database(pg_url) for _ in range(3))]  # four "processes"
    try:
        clock = DayClock(TODAY)
        settings = scrape_settings(
            pg_url, chutes.url, throughput={"scrape_timeout_s": SCRAPE_TIMEOUT_S}
        )
        scrapers = [Scraper(db, settings.throughput, clock=clock) for db in databases]
        assert len({s.holder for s in scrapers}) == 4
        # The winner's read is held, and so its lease, until the three others have given up.
        hold = threading.Event()
        chutes.fail(STATS, hold=hold)
        tick = clock()
        lock = threading.Lock()
        gave_up: list[CycleSummary] = []

        def cycle(scraper: Scraper) -> CycleSummary:
            summary = asyncio.run(scraper.run_cycle(tick_ms=tick))
            if summary.status == "skipped":
                with lock:
                    gave_up.append(summary)
                    if len(gave_up) == len(scrapers) - 1:
                        hold.set()
            return summary

        summaries = run_in_threads([functools.partial(cycle, s) for s in scrapers])
        assert sorted(s.status for s in summaries) == ["ok", "skipped", "skipped", "skipped"]
        assert chutes.paths().count(STATS) == 1
        skipped = [s for s in summaries if s.status == "skipped"]
        assert all("scrap" in (s.error or "") or "taken" in (s.error or "") for s in skipped)

        # A process waking late for the same tick finds it taken; the next tick runs.
        late = asyncio.run(scrapers[0].run_cycle(tick_ms=tick))
        assert late.status == "skipped" and "already taken" in (late.error or "")
        chutes.reset()
        following = asyncio.run(scrapers[2].run_cycle(tick_ms=tick + 600_000))
        assert following.status == "ok"
        with first.read() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM models")).scalar()
        assert count == 40
    finally:
        for db in databases:
            db.close()


@pytest.mark.postgres
def test_a_cycle_in_progress_blocks_other_ticks_until_it_ends(
    pg_url: str, chutes: FakeChutes
) -> None:
    db_a, db_b = Database(pg_url), Database(pg_url)
    upgrade(db_a)
    try:
        clock = DayClock(TODAY)
        settings = scrape_settings(
            pg_url, chutes.url, throughput={"scrape_timeout_s": SCRAPE_TIMEOUT_S}
        )
        a, b = (
            Scraper(db_a, settings.throughput, clock=clock),
            Scraper(db_b, settings.throughput, clock=clock),
        )
        reached, hold = threading.Event(), threading.Event()
        chutes.fail(STATS, reached=reached, hold=hold)

        def slow() -> CycleSummary:
            return asyncio.run(a.run_cycle())

        def eager() -> CycleSummary:
            # a's read has reached the source, so a holds the lease: try a different tick,
            # still refused, then let a finish.
            try:
                assert reached.wait(timeout=HOLD_LIMIT_S), "a never read the source"
                return asyncio.run(b.run_cycle())
            finally:
                hold.set()

        by_holder = run_in_threads([slow, eager])
        statuses = sorted(s.status for s in by_holder)
        assert statuses == ["ok", "skipped"]
        refused = next(s for s in by_holder if s.status == "skipped")
        assert a.holder in (refused.error or "") and "is scraping until" in (refused.error or "")
        chutes.reset()
        assert asyncio.run(b.run_cycle()).status == "ok"  # released: free again
    finally:
        db_a.close()
        db_b.close()
