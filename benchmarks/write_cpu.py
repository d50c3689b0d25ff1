"""CPU time of the write path alone: results stored in-process into a real database.

    .venv/bin/python benchmarks/write_cpu.py                    # SQLite in a temporary file
    .venv/bin/python benchmarks/write_cpu.py --pg               # a fresh PostgreSQL database
    .venv/bin/python benchmarks/write_cpu.py --profile 16       # cProfile of groups of 16

Each result is the realistic body of ``ingest.py`` (5 evaluations, telemetry,
metadata, batches of 100 runs), validated before the clock starts. A write is what
the server does once it has the parsed result: the content hash, then
``store_results`` in one transaction through ``Database.write`` (on SQLite the
writer thread, as the server's). "single" writes one result per transaction (one
client at a time), "16" sixteen (the SQLite writer's groups under 16 clients).
The figure is ``time.process_time()`` (every thread, user + system) per result, so
other processes on the machine hardly move it. The same script runs against older
code (a git worktree with its own virtualenv) to compare the two.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import bench_database, machine, result_payload, utc_now
from zebench.service.results import content_hash, store_results
from zebench.store.database import Database
from zebench.store.migrate import upgrade

try:
    from zebench.model.results import ResultIn
except ImportError:  # code from before the domain model moved out of the API
    from zebench.api.schemas import ResultIn  # type: ignore[no-redef]

WARMUP = 64
"""Results stored before the clock starts (statements compiled, caches warm)."""


def results(start: int, count: int, prefix: str) -> list[Any]:
    now = utc_now()
    return [
        ResultIn.model_validate(result_payload(n, run_id=f"{prefix}-{n}", now=now))
        for n in range(start, start + count)
    ]


def write_groups(db: Database, items: Sequence[Any], size: int) -> None:
    for start in range(0, len(items), size):
        group = items[start : start + size]
        db.write(lambda conn, g=group: store_results(conn, [(r, content_hash(r)) for r in g]))


def on_writer(db: Database, fn: Callable[[], None]) -> None:
    """Run ``fn`` on the thread that writes (SQLite's writer thread, else this one)."""
    db.write(lambda _conn: fn())


def cpu_per_result(db: Database, count: int, size: int, prefix: str) -> float:
    write_groups(db, results(0, WARMUP, f"{prefix}-warm"), size)
    items = results(WARMUP, count, prefix)
    start = time.process_time()
    write_groups(db, items, size)
    return (time.process_time() - start) / count * 1e6


def profile(db: Database, count: int, size: int, top: int) -> None:
    write_groups(db, results(0, WARMUP, "prof-warm"), size)
    items = results(WARMUP, count, "prof")
    profiler = cProfile.Profile()
    on_writer(db, profiler.enable)
    write_groups(db, items, size)
    on_writer(db, profiler.disable)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", action="store_true", help="use a fresh PostgreSQL database")
    parser.add_argument("--single", type=int, default=1500, help="results written one by one")
    parser.add_argument("--grouped", type=int, default=3000, help="results written 16 at a time")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", choices=["single", "16"], help="cProfile instead")
    parser.add_argument("--top", type=int, default=35, help="functions the profile shows")
    args = parser.parse_args()

    with bench_database(pg=args.pg) as database:
        db = Database(database.url)
        try:
            upgrade(db)
            if args.profile:
                size = 1 if args.profile == "single" else 16
                profile(db, args.single if size == 1 else args.grouped, size, args.top)
                return
            print(f"machine:  {machine()}")
            print(f"database: {database.description}")
            print(f"{'round':>5} {'µs CPU/result single':>21} {'µs CPU/result 16':>17}")
            for n in range(args.rounds):
                single = cpu_per_result(db, args.single, 1, f"s{n}")
                grouped = cpu_per_result(db, args.grouped, 16, f"g{n}")
                print(f"{n + 1:>5} {single:>21.0f} {grouped:>17.0f}", flush=True)
            print(f"load after: {machine().rsplit('load average ', 1)[1]}")
        finally:
            db.close()


if __name__ == "__main__":
    main()
