"""What the CI features cost: the regression test, and deleting runs against a rebuild.

    .venv/bin/python benchmarks/ci_costs.py                 # 10,000 runs, SQLite
    .venv/bin/python benchmarks/ci_costs.py --runs 20000 --pg

1. ``zebench.model.statistics.regression_test`` (the test of ``zebench compare`` and the
   comparison page) on synthetic batches: cells x iterations per side, exact or
   5,000 seeded relabellings; the median of 5 calls.
2. On a database of N generated runs (stored through the service's write path):
   deleting one batch (``service.deletion.delete_batch``: its runs, then the
   touched pre-aggregate rows recomputed from what remains) and deleting 50 runs
   spread over the history, against ``aggregates.rebuild_all`` (the other way to
   get exact figures back).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database, machine
from demo_data import generate, store
from zebench.model.statistics import ScoredRun, pair_runs, regression_test
from zebench.service import aggregates, deletion
from zebench.store.database import Database
from zebench.store.migrate import upgrade


def _median_ms(call: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def regression_costs() -> None:
    print("regression test (two-sided, stratified permutation):")
    rng = random.Random(1)
    for cells, iterations in ((1, 4), (10, 3), (50, 3), (200, 5), (1000, 3)):
        base, head = [], []
        for c in range(cells):
            key = ("suite", f"s{c}", "L1", "agent", "")
            base += [ScoredRun(key, "completed", rng.uniform(5, 9)) for _ in range(iterations)]
            head += [ScoredRun(key, "completed", rng.uniform(5, 9)) for _ in range(iterations)]
        paired = pair_runs(base, head)
        test = regression_test(paired)
        ms = _median_ms(lambda p=paired: regression_test(p))
        how = "exact" if test.exact else f"{test.resamples} resamples"
        print(f"  {cells:5d} cells x {iterations} runs/side: {ms:8.1f} ms ({how})")


def deletion_costs(runs: int, pg: bool) -> None:
    data = generate(runs=runs, batches=max(runs // 200, 2), days=60, seed=3)
    with bench_database(pg=pg) as bench:
        db = Database(bench.url)
        try:
            upgrade(db)
            store(db, data)
            print(f"deleting from {runs} runs, {bench.description}:")
            victim = data.batches[len(data.batches) // 2].batch_id
            size = sum(1 for r in data.results if r.batch_id == victim)
            start = time.perf_counter()
            db.write(lambda conn: deletion.delete_batch(conn, victim))
            one = (time.perf_counter() - start) * 1000
            print(f"  delete one batch ({size} runs): {one:8.1f} ms")
            spread = [r.run_id for r in data.results[:: max(runs // 50, 1)]][:50]
            spread = [r for r in spread if r not in {x.run_id for x in data.results
                                                     if x.batch_id == victim}]  # fmt: skip
            start = time.perf_counter()
            db.write(lambda conn: deletion.delete_runs(conn, spread))
            many = (time.perf_counter() - start) * 1000
            print(f"  delete {len(spread)} runs spread over the history: {many:8.1f} ms")
            start = time.perf_counter()
            db.write(aggregates.rebuild_all)
            full = (time.perf_counter() - start) * 1000
            print(f"  rebuild_all (for comparison): {full:8.1f} ms")
        finally:
            db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL on 127.0.0.1:5432")
    args = parser.parse_args()
    print(machine())
    regression_costs()
    deletion_costs(args.runs, args.pg)


if __name__ == "__main__":
    main()
