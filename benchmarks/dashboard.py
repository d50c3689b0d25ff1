"""Dashboard speed at N stored runs: each page's server time, and the overview drawn in Chromium.

    .venv/bin/python benchmarks/dashboard.py                        # 100,000 runs, SQLite
    .venv/bin/python benchmarks/dashboard.py --keep /tmp/zb-dash.db # keep / reuse the file
    .venv/bin/python benchmarks/dashboard.py --pg --runs 100000
    .venv/bin/python benchmarks/dashboard.py --database-url postgresql://…/zb_dash  # kept

Runs come from ``demo_data`` (next to this script) (suites, tiers, agents, models, batches,
failures, evaluations, telemetry, transcripts), stored through the service's
``store_result``. Then `zebench serve` starts as its own process and every page
is requested over one keep-alive loopback connection, so a figure is the
server's time plus a loopback round trip:

- first: the first request after the server started (its figures computed then);
- p50/p95: the same request repeated (figures cached until the data change);
- after write: the first request after a new result was POSTed, and how long
  until the page showed that result (figures that are slow to compute are
  served from the previous version while they are recomputed).

Last, Chromium (headless, fresh profile each time, then reloads in one profile)
opens the overview; the time from navigation start until the load event has
fired and its chart is drawn is taken.

Targets: every page < 100 ms server time at 100,000 runs; the overview fully
drawn in < 1.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _common import API_KEY, BenchDatabase, bench_database, machine, percentile, serve
from browser_support import CHROMIUM, CHROMIUM_ARGS


def load(url: str, runs: int) -> tuple[int, float]:
    """Fill the database unless it already holds ``runs`` runs; returns (runs, seconds)."""
    import sqlalchemy as sa

    from demo_data import generate, store
    from zebench.store.database import Database
    from zebench.store.migrate import upgrade
    from zebench.store.tables import runs as runs_table

    db = Database(url)
    try:
        upgrade(db)
        with db.read() as conn:
            present = conn.execute(sa.select(sa.func.count()).select_from(runs_table)).scalar()
        if present and present >= runs:
            stored, seconds = int(present), 0.0
        else:
            started = time.perf_counter()
            data = generate(runs=runs, batches=max(4, runs // 250), days=180, seed=7)
            store(db, data, chunk=1000)
            stored, seconds = len(data.results), time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load (it is off on some servers,
            # this one included): planner statistics and the visibility map.
            with db.write_engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        return stored, seconds
    finally:
        db.close()


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        return (time.perf_counter() - started) * 1000, response.status, body

    def post(self, path: str, payload: object) -> int:
        body = json.dumps(payload).encode()
        self.conn.request(
            "POST",
            path,
            body=body,
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        response = self.conn.getresponse()
        response.read()
        return response.status


def page_paths(client: Client) -> list[tuple[str, str]]:
    _, _, body = client.get("/batches?format=json")
    batches = [b["batchId"] for b in json.loads(body)[:3]]
    _, _, body = client.get("/runs?agent=anthropic")
    marker = b'href="/runs/'
    start = body.index(marker) + len(marker)
    run_path = body[start : body.index(b'"', start)].decode()
    month_ago = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    return [
        ("overview", "/"),
        ("runs", "/runs"),
        ("runs, filtered, by cost", "/runs?agent=anthropic&status=completed&sort=costUsd"),
        ("runs, page 500", "/runs?page=500"),
        ("run detail", f"/runs/{run_path}"),
        ("batches", "/batches"),
        ("batch detail", f"/batches/{quote(batches[0], safe='')}"),
        ("batch comparison", "/batches/compare?ids=" + quote(",".join(batches))),
        ("leaderboard", "/leaderboard"),
        ("leaderboard, one suite", "/leaderboard?suite=update-deps"),
        ("leaderboard, last 30 days", f"/leaderboard?since={month_ago}&status=completed"),
        ("trends", "/trends"),
        ("trends, one scenario", "/trends?suite=update-deps&scenario=nx-pnpm-monorepo"),
        ("costs", "/costs"),
        ("costs, one agent", "/costs?agent=anthropic"),
        ("suites", "/suites"),
        ("evaluators", "/evaluators"),
        ("evaluators, one tier", "/evaluators?tier=L2&status=failed"),
        ("live version", "/live/version"),
    ]


def data_version(body: bytes) -> str | None:
    marker = b'data-version="'
    at = body.find(marker)
    if at < 0:
        return None
    end = body.find(b'"', at + len(marker))
    return body[at + len(marker) : end].decode()


def new_result(n: int, batch_id: str) -> dict[str, object]:
    now = datetime.now(UTC).isoformat()
    return {
        "runId": f"bench-live-{time.time_ns()}-{n}",
        "batchId": batch_id,
        "suite": "update-deps",
        "scenario": "nx-pnpm-monorepo",
        "tier": "L1",
        "agent": "anthropic",
        "model": "claude-sonnet-4-5",
        "status": "completed",
        "startedAt": now,
        "completedAt": now,
        "weightedScore": 7.5,
        "isSuccessful": True,
        "telemetry": {"costUsd": 0.4, "durationMs": 90000, "tokensIn": 50000, "tokensOut": 4000},
    }


def measure_pages(client: Client, repeat: int) -> None:
    paths = page_paths(client)
    print(f"\n{'page':28} {'first':>8} {'p50':>8} {'p95':>8}   (ms, server + loopback)")
    for name, path in paths:
        first, status, _ = client.get(path)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}")
        times = sorted(client.get(path)[0] for _ in range(repeat))
        print(f"{name:28} {first:8.1f} {percentile(times, 50):8.1f} {percentile(times, 95):8.1f}")
    batch_path = next(p for n, p in paths if n == "batch detail")
    batch_id = batch_path.rsplit("/", 1)[1]
    from urllib.parse import unquote

    print(f"\n{'after a new result':28} {'first':>8} {'fresh in':>9}   (ms)")
    for i, (name, path) in enumerate(paths):
        if name in ("live version", "run detail"):
            continue
        assert client.post("/api/results", new_result(i, unquote(batch_id))) == 201
        _, _, version_body = client.get("/live/version")
        wanted = json.loads(version_body)["version"]
        started = time.perf_counter()
        first, _, body = client.get(path)
        while data_version(body) not in (None, wanted):
            time.sleep(0.02)
            _, _, body = client.get(path)
        fresh = (time.perf_counter() - started) * 1000
        print(f"{name:28} {first:8.1f} {fresh:9.1f}")


def measure_browser(url: str, times: int) -> None:
    from playwright.sync_api import sync_playwright

    drawn: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(times):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url + "/", wait_until="load")
            page.wait_for_selector("#score-histogram svg rect.bar")
            drawn.append(page.evaluate("performance.now()"))
            context.close()
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url + "/", wait_until="load")
        warm: list[float] = []
        for _ in range(times):
            page.reload(wait_until="load")
            page.wait_for_selector("#score-histogram svg rect.bar")
            warm.append(page.evaluate("performance.now()"))
        context.close()
        browser.close()
    print(
        f"\noverview fully drawn in Chromium: cold cache median {statistics.median(drawn):.0f} ms "
        f"(max {max(drawn):.0f}); warm cache median {statistics.median(warm):.0f} ms "
        f"(max {max(warm):.0f}); {times} loads each"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--keep", type=Path, help="SQLite file to keep and reuse")
    parser.add_argument(
        "--database-url", help="an existing database to fill (if short of runs) and keep"
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--browser-loads", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    chosen = (
        contextlib.nullcontext(BenchDatabase(args.database_url, args.database_url))
        if args.database_url
        else bench_database(pg=args.pg, keep=args.keep)
    )
    with chosen as database:
        stored, seconds = load(database.url, args.runs)
        loaded = f"loaded in {seconds:.0f} s" if seconds else "reused"
        print(f"{database.description}: {stored:,} runs ({loaded})")
        with serve(database.url) as server:
            client = Client(server.port)
            measure_pages(client, args.repeat)
            measure_browser(server.url, args.browser_loads)


if __name__ == "__main__":
    main()
