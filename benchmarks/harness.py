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

Sandbox: the same batch run under ``--sandbox none`` and ``bubblewrap``; the
difference in wall time per run is what containment costs a run (target: under
150 ms), printed beside the unsandboxed figure. Per command: ``true`` run
``--commands`` times on the host and through the sandbox (target: under 50 ms added).

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
from zebench.harness.isolation import sandbox_config
from zebench.harness.matrix import Matrix
from zebench.sandbox import require_provider
from zebench.sandbox.process import run_process


def startup_ms(times: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEBENCH_")}
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run([ZEBENCH, "--help"], env=env, capture_output=True, check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def overhead(
    runs: int, home: Path, sandbox: str = "bubblewrap"
) -> tuple[float, float, float, float]:
    """(overhead ms per run, command ms per run, median in-pipeline overhead ms, wall ms
    per run)."""
    settings = Settings(
        home=home,
        sandbox={"backend": sandbox},
        delivery={"worker_url": None},
        llm={"openrouter_api_key": None},
    )
    matrix = Matrix("example", ("fix-slugify",), ("L1",), ("echo",), (None,), runs)
    delivery = open_delivery(settings.delivery, settings.database_url)
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
    return (elapsed_ms - command_ms) / runs, command_ms / runs, in_pipeline, elapsed_ms / runs


async def command_ms(times: int, home: Path) -> tuple[float, float]:
    """Median ms of ``true`` on the host and through a bubblewrap sandbox."""
    config = sandbox_config(Settings(home=home))
    workspace = home / "workspace"
    workspace.mkdir()
    box = await require_provider(config).start(workspace, config)
    host, boxed = [], []
    try:
        for _ in range(times):
            started = time.perf_counter()
            await run_process("true", cwd=workspace, timeout_s=30)
            host.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await box.exec("true", timeout_s=30)
            boxed.append((time.perf_counter() - started) * 1000)
    finally:
        await box.cleanup()
    return statistics.median(host), statistics.median(boxed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--startups", type=int, default=10)
    parser.add_argument("--commands", type=int, default=50)
    args = parser.parse_args()

    print(machine())
    samples = sorted(startup_ms(args.startups))
    print(
        f"zebench --help start-up: median {statistics.median(samples):.0f} ms, "
        f"min {samples[0]:.0f} ms, max {samples[-1]:.0f} ms over {len(samples)} runs "
        "(target < 300 ms)"
    )
    with tempfile.TemporaryDirectory(prefix="zebench-bench-") as home:
        per_run, commands, pipeline, wall = asyncio.run(overhead(args.runs, Path(home)))
    with tempfile.TemporaryDirectory(prefix="zebench-bench-") as home:
        _, bare_commands, _, bare_wall = asyncio.run(overhead(args.runs, Path(home), "none"))
    with tempfile.TemporaryDirectory(prefix="zebench-bench-") as home:
        host_ms, boxed_ms = asyncio.run(command_ms(args.commands, Path(home)))
    print(
        f"sandbox per run: {wall:.0f} ms with bubblewrap vs {bare_wall:.0f} ms with none "
        f"(+{wall - bare_wall:.0f} ms; scenario commands {commands:.0f} vs "
        f"{bare_commands:.0f} ms) (target < 150 ms added)"
    )
    print(
        f"sandbox per command (`true`, median of {args.commands}): {boxed_ms:.1f} ms in "
        f"bubblewrap vs {host_ms:.1f} ms on the host (+{boxed_ms - host_ms:.1f} ms) "
        "(target < 50 ms added)"
    )
    print(
        f"harness overhead per run: {per_run:.0f} ms (batch of {args.runs} echo runs of "
        f"example/fix-slugify L1 into embedded SQLite, one at a time; {commands:.0f} ms per run "
        f"in the scenario's own commands excluded; median {pipeline:.0f} ms inside the run "
        "pipeline) (target < 150 ms)"
    )


if __name__ == "__main__":
    main()
