"""Distributed batches: how throughput grows with workers, and how fast a dead worker's
run is taken over.

    .venv/bin/python benchmarks/distributed.py                       # both brokers
    .venv/bin/python benchmarks/distributed.py --broker rabbitmq --runs 24 --sleep 3

Scaling: a batch of ``--runs`` runs whose agent sleeps ``--sleep`` seconds (the
``command`` agent running a script; no commands of the scenario's own), on 1, 2
and 4 ``zebench worker`` processes of concurrency 1, each with its own home,
against a ``zebench serve`` of its own (fresh SQLite). Wall time runs from the
submitter starting until the results service shows the batch completed.
Speed-up is against one worker; the target is >= 0.8 x N while the machine has
cores to spare.
CPU s/run is what the worker processes and their agents spent per run (from
/proc): a machine of C cores keeps N workers busy only while N x CPU s/run stays
under C x the run's wall time.

Recovery: two workers, one run held at a gate; the worker holding it is killed
with SIGKILL and the time until the other worker's agent starts the same run is
measured (RabbitMQ: connection loss; Redis: ``--visibility-timeout`` plus the
restore sweep).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import httpx

from _common import machine, serve
from distributed_support import BROKERS, Cluster, Gate, broker_unreachable, make_suite, wait_for
from harness_support import ZEBENCH, cli_env


def _submit(cluster: Cluster, suites: Path, runs: int) -> str:
    import subprocess

    env = cli_env(
        cluster.root / "submitter",
        ZE_BENCHMARKS_WORKER_URL=cluster.results_url,
        ZEBENCH_SUITES_DIR=str(suites),
    )
    done = subprocess.run(
        [ZEBENCH, "batch", "--suite", "dist", "--tier", "L0", "--agent", "command",
         "--iterations", str(runs), "--broker", cluster.broker_url, "--queue", cluster.queue,
         "--detach"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split()[1].rstrip(":")


def _completed(results_url: str, batch_id: str) -> bool:
    body = httpx.get(f"{results_url}/api/batches/{batch_id}").json()
    return body.get("completedAt") is not None


def _cpu_s(pid: int) -> float:
    """CPU seconds of a process and its reaped children (the agents it ran)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def scaling(
    broker: str, workers: int, runs: int, sleep_s: float, root: Path
) -> tuple[float, float]:
    """Wall seconds of one batch on ``workers`` worker processes, and the CPU seconds
    the workers (with their agents) spent on it."""
    with serve(f"sqlite:///{root / 'results.db'}") as server:
        cluster = Cluster(BROKERS[broker], server.url, root, Gate(root / "ctl"))
        try:
            for i in range(workers):
                cluster.start_worker(f"w{i}", agent_command=cluster.gate.command(f"w{i}", sleep_s))
            cpu_before = sum(_cpu_s(w.process.pid) for w in cluster.workers)
            suites = root / "suites"
            make_suite(suites)
            started = time.perf_counter()
            batch_id = _submit(cluster, suites, runs)
            wait_for(lambda: _completed(server.url, batch_id), 30 + runs * sleep_s * 3, "batch")
            wall = time.perf_counter() - started
            cpu = sum(_cpu_s(w.process.pid) for w in cluster.workers) - cpu_before
            return wall, cpu
        finally:
            cluster.stop()


def recovery(broker: str, visibility_timeout: int, root: Path) -> float:
    """Seconds from killing the worker that holds a run to its agent starting elsewhere."""
    with serve(f"sqlite:///{root / 'results.db'}") as server:
        cluster = Cluster(BROKERS[broker], server.url, root, Gate(root / "ctl"))
        vt = ["--visibility-timeout", str(visibility_timeout)]
        try:
            first = cluster.start_worker("a", extra_args=vt)
            suites = root / "suites"
            make_suite(suites)
            _submit(cluster, suites, 1)
            cluster.gate.wait_started(1)
            cluster.start_worker("b", extra_args=vt)
            killed = time.perf_counter()
            first.kill()
            cluster.gate.wait_started(2, within_s=visibility_timeout * 3 + 60)
            return time.perf_counter() - killed
        finally:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", choices=[*BROKERS, "both"], default="both")
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--sleep", type=float, default=2.0, help="seconds each agent sleeps")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--visibility-timeout", type=int, default=10)
    args = parser.parse_args()
    print(machine(), f"cores={os.cpu_count()}")
    brokers = list(BROKERS) if args.broker == "both" else [args.broker]
    for broker in brokers:
        reason = broker_unreachable(broker)
        if reason is not None:
            print(f"{broker}: skipped ({reason})")
            continue
        print(f"\n{broker}: {args.runs} runs, agent sleeping {args.sleep:g} s each")
        print(
            f"{'workers':>8} {'wall s':>8} {'runs/min':>9} {'speed-up':>9} {'of N':>6} "
            f"{'CPU s/run':>10}"
        )
        base = None
        for n in (int(w) for w in args.workers.split(",")):
            with tempfile.TemporaryDirectory(prefix="zebench-dist-") as tmp:
                wall, cpu = scaling(broker, n, args.runs, args.sleep, Path(tmp))
            base = base or wall
            speedup = base / wall
            print(
                f"{n:>8} {wall:>8.1f} {args.runs / wall * 60:>9.1f} "
                f"{speedup:>8.2f}x {speedup / n:>6.2f} {cpu / args.runs:>10.2f}"
            )
        with tempfile.TemporaryDirectory(prefix="zebench-dist-") as tmp:
            seconds = recovery(broker, args.visibility_timeout, Path(tmp))
        extra = f" (visibility timeout {args.visibility_timeout} s)" if broker == "redis" else ""
        print(f"recovery of a killed worker's run: {seconds:.2f} s{extra}")


if __name__ == "__main__":
    main()
