"""Demo data for the model throughput pages, made on this machine without internet.

Starts two local stand-ins and measures them the way a user would:

- an OpenAI-compatible streaming server (``tests/fakes/streaming_llm.py``) serving
  three demo models at different speeds, probed several times (a sparkline of
  successive probes) and once as a sweep (the chart on the model's page);
- a stand-in for Chutes' public statistics (``tests/throughput/fake_chutes.py``,
  generated figures), scraped once, so probed endpoints show beside scraped models.

    python benchmarks/demo_models.py --database-url sqlite:///.zebench/demo.db

(``make demo-models`` does that and serves the dashboard over it.) The probes are
real measurements of the local server; the Chutes figures are generated. Not part
of the installed package: it runs from a clone.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "throughput")]

from fake_chutes import FakeChutes, make_dataset  # noqa: E402

from zebench.config import Settings  # noqa: E402
from zebench.model.time import now_ms  # noqa: E402
from zebench.store.database import Database  # noqa: E402
from zebench.store.migrate import upgrade  # noqa: E402
from zebench.throughput import Scraper  # noqa: E402
from zebench.throughput.probe.runner import ProbeConfig, run_probe, run_sweep  # noqa: E402
from zebench.throughput.probe.saved import save_probe  # noqa: E402

SERVER = ROOT / "tests" / "fakes" / "streaming_llm.py"
MODELS = {
    "demo/small-8b-instruct": "ttft_ms=60&itl_ms=8&tokens=400",
    "demo/medium-32b-instruct": "ttft_ms=180&itl_ms=20&tokens=400",
    "demo/large-70b-instruct": "ttft_ms=380&itl_ms=38&tokens=400",
}
HOUR_MS = 3_600_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--probes", type=int, default=5, help="Probes per model (sparkline).")
    args = parser.parse_args()
    db = Database(args.database_url)
    upgrade(db)
    try:
        scrape_demo(db)
        probe_demo(db, args.probes)
    finally:
        db.close()
    print(f"demo models saved in {args.database_url}; see /models")


def scrape_demo(db: Database) -> None:
    fake = FakeChutes(make_dataset(12, 30, today=datetime.now(UTC).date()))
    try:
        settings = Settings(
            throughput={
                "chutes_api_url": fake.url,
                "chutes_llm_url": fake.url,
                "chutes_web_url": fake.url,
            }
        )
        summary = asyncio.run(Scraper(db, settings.throughput).run_cycle())
        print(summary.line())
    finally:
        fake.close()


def probe_demo(db: Database, probes: int) -> None:
    profiles = [f"--profile={name}={query}" for name, query in MODELS.items()]
    server = subprocess.Popen(
        [sys.executable, str(SERVER), *profiles], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/v1"
        start = now_ms() - probes * HOUR_MS
        for name in MODELS:
            config = ProbeConfig(url, name, requests=4, concurrency=2, max_tokens=24, warmup=0)
            for k in range(probes):
                # Stored an hour apart, as an hourly --probe-schedule would have.
                result = asyncio.run(run_probe(config))
                db.write(lambda c, r=result, k=k: save_probe(c, [r], now_ms=start + k * HOUR_MS))
            print(f"probed {name} {probes} times")
        sweep = asyncio.run(
            run_sweep(
                ProbeConfig(url, "demo/medium-32b-instruct", requests=8, max_tokens=48),
                [1, 2, 4, 8],
            )
        )
        db.write(lambda c: save_probe(c, sweep, now_ms=now_ms()))
        print("swept demo/medium-32b-instruct at concurrency 1, 2, 4, 8")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
