"""Read latency of every read endpoint, at N stored runs: p50, p95, p99.

    .venv/bin/python benchmarks/reads.py                       # 10,000 runs, SQLite
    .venv/bin/python benchmarks/reads.py --runs 1000000 --keep /tmp/zb-1m.db
    .venv/bin/python benchmarks/reads.py --pg --runs 100000

The runs are loaded in this process through the bulk path the importer uses
(``zebench.service.transfer.store_records``: the service's own ``store_results``,
so pre-aggregates and batch totals are kept as the API keeps them),
then `zebench serve` starts as its own process and each endpoint is requested
sequentially over one keep-alive connection (so the figure is the server's
latency, not queueing). ``--keep FILE`` keeps the SQLite file and reuses it when
it already holds the runs asked for.

Targets: p50 < 5 ms for everything at 10k runs; at 1M runs p95 < 50 ms for the
statistics and p95 < 10 ms for lists and details.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).parent))

from _common import (
    EVALUATORS,
    SUITES,
    bench_database,
    machine,
    percentile,
    result_payload,
    serve,
    utc_now,
)

LIST, DETAIL, STATS = "list", "detail", "stats"


@dataclass
class Endpoint:
    name: str
    kind: str
    paths: list[str]


def load(database_url: str, runs: int) -> float:
    """Store ``runs`` realistic results through the bulk path; returns runs/s."""
    import sqlalchemy as sa
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from zebench.model.results import ResultIn
    from zebench.service.transfer import store_records
    from zebench.store.database import Database
    from zebench.store.migrate import upgrade
    from zebench.store.tables import runs as runs_table

    db = Database(database_url)
    try:
        upgrade(db)
        with db.read() as conn:
            have = conn.execute(sa.select(sa.func.count()).select_from(runs_table)).scalar_one()
        if have >= runs:
            print(f"load:     reusing {have} stored runs")
            return float("nan")
        now = utc_now()
        records = (
            ResultIn.model_validate(result_payload(n, run_id=f"run-{n:08d}", now=now))
            for n in range(have, runs)
        )
        started = time.perf_counter()
        with Progress(
            "loading", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
        ) as progress:
            task = progress.add_task("load", total=runs - have)
            report = store_records(
                db, records, on_progress=lambda n: progress.advance(task, n), chunk_size=1000
            )
        elapsed = time.perf_counter() - started
        if report.runs_created != runs - have:
            raise SystemExit(f"load stored {report.runs_created} of {runs - have}: {report}")
        rate = (runs - have) / elapsed
        print(f"load:     {runs - have} runs in {elapsed:.0f} s ({rate:.0f} runs/s, bulk path)")
        return rate
    finally:
        db.close()


def endpoints(runs: int, rng: random.Random) -> list[Endpoint]:
    """Every read endpoint of the contract, with realistic parameters."""
    run_ids = [f"run-{rng.randrange(runs):08d}" for _ in range(64)]
    batch_ids = [f"batch-{rng.randrange(max(1, runs // 100)):06d}" for _ in range(64)]
    suite = "update-deps"
    scenario = SUITES[suite][0]
    q = quote
    return [
        Endpoint("GET /health", DETAIL, ["/health"]),
        Endpoint("GET /api/runs", LIST, ["/api/runs?limit=50"]),
        Endpoint("GET /api/runs?suite", LIST, [f"/api/runs?limit=50&suite={q(suite)}"]),
        Endpoint(
            "GET /api/runs?suite&scenario",
            LIST,
            [f"/api/runs?limit=50&suite={q(suite)}&scenario={q(scenario)}"],
        ),
        Endpoint(
            "GET /api/runs?agent&status",
            LIST,
            ["/api/runs?limit=50&agent=anthropic&status=completed"],
        ),
        Endpoint("GET /api/runs?status=failed", LIST, ["/api/runs?limit=50&status=failed"]),
        Endpoint("GET /api/runs?offset=5000", LIST, ["/api/runs?limit=50&offset=5000"]),
        Endpoint("GET /api/runs/:id", DETAIL, [f"/api/runs/{r}" for r in run_ids]),
        Endpoint(
            "GET /api/runs/:id/evaluations",
            DETAIL,
            [f"/api/runs/{r}/evaluations" for r in run_ids],
        ),
        Endpoint(
            "GET /api/runs/:id/telemetry", DETAIL, [f"/api/runs/{r}/telemetry" for r in run_ids]
        ),
        Endpoint("GET /api/batches", LIST, ["/api/batches?limit=20"]),
        Endpoint("GET /api/batches?sortBy=score", LIST, ["/api/batches?limit=20&sortBy=score"]),
        Endpoint(
            "GET /api/batches?status=completed", LIST, ["/api/batches?limit=20&status=completed"]
        ),
        Endpoint("GET /api/batches/:id", DETAIL, [f"/api/batches/{b}" for b in batch_ids]),
        Endpoint(
            "GET /api/batches/:id/analytics",
            STATS,
            [f"/api/batches/{b}/analytics" for b in batch_ids],
        ),
        Endpoint(
            "GET /api/batches/compare",
            LIST,
            [f"/api/batches/compare?ids={a},{b}" for a, b in itertools.pairwise(batch_ids)],
        ),
        Endpoint("GET /api/stats?days=30", STATS, ["/api/stats?days=30"]),
        Endpoint("GET /api/stats?days=365", STATS, ["/api/stats?days=365"]),
        Endpoint("GET /api/stats/agents", STATS, ["/api/stats/agents"]),
        Endpoint("GET /api/stats/models", STATS, ["/api/stats/models"]),
        Endpoint("GET /api/stats/suites/:suite", STATS, [f"/api/stats/suites/{q(suite)}"]),
        Endpoint(
            "GET /api/stats/scenarios/:s/:s",
            STATS,
            [f"/api/stats/scenarios/{q(suite)}/{q(scenario)}"],
        ),
        Endpoint(
            "GET /api/stats/evaluators/:n/trends",
            STATS,
            [f"/api/stats/evaluators/{name}/trends?days=30" for name in EVALUATORS],
        ),
    ]


class Client:
    """One keep-alive HTTP/1.1 connection; the lightest client the stdlib has."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)

    def get(self, path: str) -> tuple[int, bytes, http.client.HTTPResponse]:
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        return response.status, response.read(), response


def time_endpoint(client: Client, endpoint: Endpoint, requests: int) -> list[float]:
    for path in endpoint.paths[:5]:  # warm caches the way a running service has them
        client.get(path)
    timings = []
    for i in range(requests):
        path = endpoint.paths[i % len(endpoint.paths)]
        started = time.perf_counter()
        status, body, _ = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
    return sorted(timings)


def cursor_endpoint(client: Client) -> Endpoint:
    """The page after a deep cursor (keyset pagination must not slow down with depth)."""
    path = "/api/runs?limit=50"
    for _ in range(20):
        _, _, response = client.get(path)
        cursor = response.getheader("X-Next-Cursor")
        if not cursor:
            break
        path = f"/api/runs?limit=50&cursor={quote(cursor)}"
    return Endpoint("GET /api/runs?cursor (page 21)", LIST, [path])


def target(kind: str, runs: int) -> tuple[str, float, str]:
    """(percentile, limit in ms, label) this kind of endpoint is held to at this size."""
    if runs >= 1_000_000:
        return ("p95", 50.0, "p95<50") if kind == STATS else ("p95", 10.0, "p95<10")
    return ("p50", 5.0, "p50<5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="per endpoint")
    parser.add_argument("--pg", action="store_true", help="use a fresh PostgreSQL database")
    parser.add_argument("--keep", type=Path, help="SQLite file to keep and reuse")
    args = parser.parse_args()
    rng = random.Random(42)

    with bench_database(pg=args.pg, keep=args.keep) as database:
        print(f"machine:  {machine()}")
        print(f"database: {database.description}; {args.runs} runs")
        load(database.url, args.runs)
        with serve(database.url) as srv:
            client = Client(srv.url)
            todo = endpoints(args.runs, rng)
            todo.insert(7, cursor_endpoint(client))
            print(
                f"{'endpoint':<36} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}  target"
            )
            misses = 0
            for endpoint in todo:
                t = time_endpoint(client, endpoint, args.requests)
                figures = {p: percentile(t, float(p[1:])) for p in ("p50", "p95", "p99")}
                which, limit, label = target(endpoint.kind, args.runs)
                ok = figures[which] < limit
                misses += not ok
                print(
                    f"{endpoint.name:<36} {figures['p50']:>7.2f} {figures['p95']:>7.2f} "
                    f"{figures['p99']:>7.2f} {t[-1]:>7.1f}  {label} {'ok' if ok else 'MISSED'}",
                    flush=True,
                )
        print(f"load after: {machine().rsplit('load average ', 1)[1]}")
    if misses:
        print(f"{misses} endpoint(s) missed their target")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
