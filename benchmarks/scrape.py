"""Time of one full scrape cycle: 1,000 models x 90 days from a local fake chutes.ai.

    .venv/bin/python benchmarks/scrape.py            # SQLite in a temporary file
    .venv/bin/python benchmarks/scrape.py --pg       # a fresh PostgreSQL database
    .venv/bin/python benchmarks/scrape.py --models 1000 --days 90 --html-batch 25

The source (tests/throughput/fake_chutes.py) runs as its own process on
loopback and serves the real shapes: one statistics document of every chute
and day (~models x days rows), the /v1/models catalogue and the HTML pages.
Each figure is the wall time of ``Scraper.run_cycle`` (fetch, parse,
summarise, one transaction), measured for:

  first   an empty database: every model and day inserted
  steady  the same data again: every day compared, none written
  update  later the same day: today's row of every model has grown
  html    the pages fallback: the catalogue page plus one batch of stats pages

Target: under 5 s for a full cycle (the original needed three 10-minute
cycles for 56 models).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import bench_database, machine
from zebench.config import Settings
from zebench.store.database import Database
from zebench.store.migrate import upgrade
from zebench.throughput import CycleSummary, Scraper

FAKE = Path(__file__).resolve().parent.parent / "tests" / "throughput" / "fake_chutes.py"
TARGET_S = 5.0


@contextlib.contextmanager
def fake_source(models: int, days: int, *, partial: float) -> Iterator[str]:
    today = datetime.now(UTC).date().isoformat()
    process = subprocess.Popen(
        [
            sys.executable,
            str(FAKE),
            f"--models={models}",
            f"--days={days}",
            f"--today={today}",
            f"--partial={partial}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError("the fake source did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def cycle(db: Database, url: str, **overrides: object) -> tuple[float, CycleSummary]:
    settings = Settings(
        database_url=db.url,
        **overrides,
        throughput={"chutes_api_url": url, "chutes_llm_url": url, "chutes_web_url": url},
    )
    scraper = Scraper(db, settings.throughput)
    started = time.perf_counter()
    summary = asyncio.run(scraper.run_cycle())
    elapsed = time.perf_counter() - started
    if summary.status != "ok":
        raise RuntimeError(summary.line())
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--html-batch", type=int, default=25)
    parser.add_argument("--pg", action="store_true", help="a fresh PostgreSQL database")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    with bench_database(pg=args.pg) as bench:
        db = Database(bench.url)
        upgrade(db)
        print(f"database: {bench.description}")
        print(f"source: {args.models} models x up to {args.days} days (fake chutes.ai, loopback)")
        rows: dict[str, float] = {}
        with fake_source(args.models, args.days, partial=0.45) as url:
            first, summary = cycle(db, url, chutes_source="json")
            rows["first"] = first
            print(f"  first cycle   {first:6.2f} s  {summary.line()}")
            steady, summary = cycle(db, url, chutes_source="json")
            rows["steady"] = steady
            print(f"  steady cycle  {steady:6.2f} s  {summary.line()}")
            html, summary = cycle(
                db, url, chutes_source="html", scrape_html_batch_size=args.html_batch
            )
            print(f"  html batch    {html:6.2f} s  {summary.line()}")
        with fake_source(args.models, args.days, partial=0.8) as url:
            update, summary = cycle(db, url, chutes_source="json")
            rows["update"] = update
            print(f"  update cycle  {update:6.2f} s  {summary.line()}")
        db.close()
    worst = max(rows.values())
    verdict = "meets" if worst < TARGET_S else "MISSES"
    print(f"slowest full cycle {worst:.2f} s: {verdict} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
