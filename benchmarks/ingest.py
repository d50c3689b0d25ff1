"""Write throughput of POST /api/results: results/s, p50, p99 at concurrency 1 and 16.

    .venv/bin/python benchmarks/ingest.py                 # SQLite in a temporary file
    .venv/bin/python benchmarks/ingest.py --pg            # a fresh PostgreSQL database
    .venv/bin/python benchmarks/ingest.py --duration 30 --concurrency 1 16 64

`zebench serve` runs as its own process; the load comes from wrk (C, epoll) with a
Lua script that gives every request a unique runId, so the server gets the CPU
the load generator does not need. Each body is a realistic result: 5 evaluations
with ~200-character details, telemetry, metadata, in batches of 100 runs (about
one run in ten failed, with no evaluations, as in real batches). After each
measurement the script counts the stored runs: every 201 must be a stored run.

"CPU µs" is the server's own CPU time (user + system, every process of
``zebench serve``, from /proc) per stored result: unlike results/s it hardly
moves when other processes share the machine, so it compares two versions of the
code measured under different load. ``write_cpu.py`` measures the write path
alone, in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

from _common import (
    API_KEY,
    bench_database,
    machine,
    require_wrk,
    result_payload,
    serve,
    utc_now,
)

_LUA = r"""
local threads = {}
local next_tid = 0
local parts = {@PARTS@}
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer @KEY@"}

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  non201 = 0
end

function request()
  counter = counter + 1
  local run = "@PREFIX@-" .. tid .. "-" .. counter
  local batch = "@PREFIX@-" .. tid .. "-b" .. math.floor(counter / 100)
  local body = parts[1] .. run .. parts[2] .. batch .. parts[3]
  return wrk.format("POST", "/api/results", headers, body)
end

function response(status, headers, body)
  if status ~= 201 then non201 = non201 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non201") end
  local e = summary.errors
  io.write(string.format(
    "ZEBENCH %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, bad,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass
class Figures:
    concurrency: int
    requests: int
    seconds: float
    errors: int
    non201: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    stored: int
    cpu_s: float

    @property
    def per_second(self) -> float:
        return (self.requests - self.non201) / self.seconds

    @property
    def cpu_us_per_result(self) -> float:
        return self.cpu_s / max(self.requests - self.non201, 1) * 1e6


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and every descendant (Linux /proc)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name may hold spaces: the fields start after its ")".
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree = {pid}
    grew = True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(p, 0.0) for p in tree)


def lua_script(prefix: str, sample: int) -> str:
    """The wrk script: a realistic body cut around its runId and batchId."""
    # A completed run (failed ones carry no evaluations): the heavier, common case.
    body = next(
        b
        for n in range(sample, sample + 100)
        if (b := result_payload(n, run_id="@@RUN@@", now=utc_now()))["evaluations"]
    )
    body["batchId"] = "@@BATCH@@"
    text = json.dumps(body, separators=(",", ":"))
    before_run, rest = text.split("@@RUN@@")
    between, after = rest.split("@@BATCH@@")
    parts = ", ".join(_lua_string(p) for p in (before_run, between, after))
    return _LUA.replace("@PARTS@", parts).replace("@KEY@", API_KEY).replace("@PREFIX@", prefix)


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def run_wrk(url: str, concurrency: int, seconds: int, label: str) -> tuple[str, list[int]]:
    wrk = require_wrk()
    prefix = f"{label}-{uuid.uuid4().hex[:8]}"
    threads = min(2, concurrency)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(prefix, sample=7))
        script = f.name
    try:
        out = subprocess.run(
            [
                wrk,
                f"-t{threads}",
                f"-c{concurrency}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script).unlink()
    line = next(x for x in out.splitlines() if x.startswith("ZEBENCH "))
    return prefix, [int(v) for v in line.split()[1:]]


def stored_runs(database_url: str, prefix: str) -> int:
    from zebench.store.database import normalise_url

    engine = sa.create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text("SELECT count(*) FROM runs WHERE run_id LIKE :p"), {"p": f"{prefix}-%"}
                ).scalar_one()
            )
    finally:
        engine.dispose()


def measure(url: str, database_url: str, server: int, concurrency: int, seconds: int) -> Figures:
    cpu_before = tree_cpu_seconds(server)
    prefix, (requests, duration_us, errors, non201, p50, p90, p99, top) = run_wrk(
        url, concurrency, seconds, f"c{concurrency}"
    )
    cpu = tree_cpu_seconds(server) - cpu_before
    return Figures(
        concurrency=concurrency,
        requests=requests,
        seconds=duration_us / 1e6,
        errors=errors,
        non201=non201,
        p50_ms=p50 / 1000,
        p90_ms=p90 / 1000,
        p99_ms=p99 / 1000,
        max_ms=top / 1000,
        stored=stored_runs(database_url, prefix),
        cpu_s=cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", action="store_true", help="use a fresh PostgreSQL database")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up first")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--workers", type=int, default=1, help="zebench serve --workers")
    args = parser.parse_args()

    with bench_database(pg=args.pg) as database, serve(database.url, workers=args.workers) as srv:
        print(f"machine:  {machine()}")
        print(f"database: {database.description}; server workers: {args.workers}")
        run_wrk(srv.url, 4, args.warmup, "warmup")
        print(
            f"{'clients':>7} {'results/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8} {'CPU µs':>8} {'non-201':>8} {'stored':>8}"
        )
        failed = False
        for concurrency in args.concurrency:
            f = measure(srv.url, database.url, srv.process.pid, concurrency, args.duration)
            print(
                f"{f.concurrency:>7} {f.per_second:>10.0f} {f.p50_ms:>8.2f} {f.p90_ms:>8.2f} "
                f"{f.p99_ms:>8.2f} {f.max_ms:>8.1f} {f.cpu_us_per_result:>8.0f} "
                f"{f.non201 + f.errors:>8} {f.stored:>8}",
                flush=True,
            )
            # wrk stops mid-request at the deadline: a few accepted writes may go unanswered.
            if f.stored < f.requests - f.non201:
                print(f"  !! {f.requests - f.non201} answered 201 but {f.stored} are stored")
                failed = True
        print(f"load after: {machine().rsplit('load average ', 1)[1]}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
