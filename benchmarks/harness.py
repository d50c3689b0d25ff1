"""Harness overhead per run, and how fast ``zebench --help`` starts.

    .venv/bin/python benchmarks/harness.py              # 20 runs, 10 start-ups
    .venv/bin/python benchmarks/harness.py --runs 50 --startups 20

Overhead: one batch of ``--runs`` echo runs of example/fix-slugify L1, one at a
time, delivered into a fresh embedded SQLite store, exactly as ``zebench batch``
runs them (progress display included). The overhead per run is the batch's wall
time minus the time spent in the scenario's own commands (baseline, validation,
heuristic commands and scripts), divided by the number of runs: workspace copy,
diff, evaluators, scoring, spooling and delivery, batch announcements, the
store's migration on first use. Target: under 150 ms.

Start-up: wall time of ``zebench --help`` as a fresh process. Target: under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from rich.console import Console

from _common import ZEBENCH, machine
from zebench.config import Settings
from zebench.delivery import open_delivery
from zebench.harness.batch import plan_batch, run_batch
from zebench.harness.matrix import Matrix


def startup_ms(times: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEBENCH_")}
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([ZEBENCH, "--help"], env=env, capture_output=True, check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def overhead(runs: int, home: Path) -> tuple[float, float, float]:
    """(overhead ms per run, command ms per run, median in-pipeline overhead ms)."""
    settings = Settings(home=home, worker_url=None, openrouter_api_key=None)
    matrix = Matrix("example", ("fix-slugify",), ("L1",), ("echo",), (None,), runs)
    delivery = open_delivery(settings)
    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    try:
        started = time.perf_counter()
        plan = await plan_batch(matrix, settings, delivery)
        report = await run_batch(plan, settings, delivery, concurrency=1, console=console)
        elapsed_ms = (time.perf_counter() - started) * 1000
    finally:
        await delivery.aclose()
        console.file.close()
    assert len(report.records) == runs and report.ok
    assert all(r.delivery == "delivered" for r in report.records)
    command_ms = sum(r.command_ms for r in report.records)
    in_pipeline = statistics.median(r.wall_ms - r.command_ms for r in report.records)
    return (elapsed_ms - command_ms) / runs, command_ms / runs, in_pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--startups", type=int, default=10)
    args = parser.parse_args()

    print(machine())
    samples = sorted(startup_ms(args.startups))
    print(
        f"zebench --help start-up: median {statistics.median(samples):.0f} ms, "
        f"min {samples[0]:.0f} ms, max {samples[-1]:.0f} ms over {len(samples)} runs "
        "(target < 300 ms)"
    )
    with tempfile.TemporaryDirectory(prefix="zebench-bench-") as home:
        per_run, commands, pipeline = asyncio.run(overhead(args.runs, Path(home)))
    print(
        f"harness overhead per run: {per_run:.0f} ms (batch of {args.runs} echo runs of "
        f"example/fix-slugify L1 into embedded SQLite, one at a time; {commands:.0f} ms per run "
        f"in the scenario's own commands excluded; median {pipeline:.0f} ms inside the run "
        "pipeline) (target < 150 ms)"
    )


if __name__ == "__main__":
    main()
