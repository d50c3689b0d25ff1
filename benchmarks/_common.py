"""What the benchmark scripts share: realistic results, a `zebench serve` process of
their own, fresh databases, percentiles and a description of the machine."""

from __future__ import annotations

import contextlib
import http.client
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

# The tests' helpers, so that a benchmark finds PostgreSQL and the CLI as the tests do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness_support import ZEBENCH
from loopback import free_port, fresh_pg_database

API_KEY = os.environ.get("ZE_BENCHMARKS_API_KEY", "dev-local-key")

SUITES = {
    "update-deps": ["nx-pnpm-monorepo", "npm-workspaces", "yarn-berry", "renovate-pr"],
    "next.js": ["001-server-component", "002-app-router", "003-middleware", "004-caching"],
    "test-suite": ["test-scenario", "flaky-tests", "coverage-gap", "snapshot-update"],
    "migrations": ["react-18-to-19", "eslint-flat-config", "jest-to-vitest", "ts-5-upgrade"],
    "artifacts": ["figma-to-tailwind", "api-docs", "changelog", "readme-refresh"],
}
TIERS = ["L0", "L1", "L2", "L3", "Lx"]
AGENTS = {
    "anthropic": ["claude-sonnet-4-5", "claude-opus-4"],
    "openrouter": ["openai/gpt-5", "google/gemini-2.5-pro", "deepseek/deepseek-v3"],
    "claude-code": ["default"],
    "echo": [None],
}
EVALUATORS = ["heuristic_checks", "llm_judge", "install", "test", "dependency_delta"]
_DETAIL = (
    "Checked {name} for run {n}: 4 of 5 heuristics passed (lockfile updated, no blocked "
    "packages, peer ranges satisfied, build green); the judge noted the migration left one "
    "deprecated import in src/app/page.tsx. Score {score:.2f}."
)


def result_payload(n: int, *, run_id: str, now: datetime, days: int = 60) -> dict[str, Any]:
    """One realistic POST /api/results body: 5 evaluations with ~200-character details
    and telemetry; about one run in ten failed. Deterministic in ``n``."""
    rng = random.Random(n)
    suite = rng.choice(list(SUITES))
    agent = rng.choice(list(AGENTS))
    started = now - timedelta(seconds=rng.uniform(0, days * 86_400))
    failed = rng.random() < 0.1
    score = None if failed else round(rng.random(), 4)
    body: dict[str, Any] = {
        "runId": run_id,
        "batchId": f"batch-{n // 100:06d}",
        "suite": suite,
        "scenario": rng.choice(SUITES[suite]),
        "tier": rng.choice(TIERS),
        "agent": agent,
        "model": rng.choice(AGENTS[agent]),
        "status": "failed" if failed else "completed",
        "startedAt": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "completedAt": (started + timedelta(minutes=rng.uniform(1, 30)))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "totalScore": score,
        "weightedScore": None if score is None else round(score * 10, 3),
        "isSuccessful": score is not None and score >= 0.7,
        "successMetric": score,
        "metadata": {"error": "Agent timed out after 40 minutes", "errorType": "agent"}
        if failed
        else {"packageManager": "pnpm", "diffSummary": [{"file": "package.json"}]},
        "evaluations": []
        if failed
        else [
            {
                "evaluatorName": name,
                "score": (s := round(rng.random(), 3)),
                "maxScore": 1.0,
                "details": _DETAIL.format(name=name, n=n, score=s),
            }
            for name in EVALUATORS
        ],
        "telemetry": {
            "toolCalls": rng.randint(0, 80),
            "tokensIn": rng.randint(5_000, 200_000),
            "tokensOut": rng.randint(500, 20_000),
            "costUsd": round(rng.uniform(0, 2), 4),
            "durationMs": rng.randint(10_000, 1_800_000),
            "workspaceDir": f"/tmp/zebench/ws-{n}",
            "promptSent": "Update the dependencies of this monorepo to their latest versions.",
        },
    }
    return body


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def machine() -> str:
    """CPU model, cores and load: what a figure needs next to it to mean anything."""
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores (nproc), load average {load}"


# --- databases -------------------------------------------------------------------


@dataclass
class BenchDatabase:
    url: str
    description: str


@contextlib.contextmanager
def bench_database(*, pg: bool, keep: Path | None = None) -> Iterator[BenchDatabase]:
    """A fresh database: a SQLite file in a temporary directory (or ``keep``), or a new
    PostgreSQL database beside the test one, dropped afterwards."""
    if not pg:
        if keep is not None:
            yield BenchDatabase(f"sqlite:///{keep}", f"SQLite file {keep}")
            return
        with tempfile.TemporaryDirectory(prefix="zebench-bench-") as tmp:
            path = Path(tmp) / "bench.db"
            yield BenchDatabase(f"sqlite:///{path}", "SQLite (WAL, synchronous=FULL)")
        return
    with fresh_pg_database("zebench_bench") as url:
        yield BenchDatabase(url, f"PostgreSQL {_server_version(url)} on 127.0.0.1")


def _server_version(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


# --- the server ----------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    port: int


@contextlib.contextmanager
def serve(database_url: str, *, workers: int = 1) -> Iterator[Server]:
    """``zebench serve`` as its own process (the load generator must not share its CPU
    time slices with it), stopped with SIGINT when done."""
    port = free_port()
    # The per-key rate limit (a policy, 6000/min by default) stays in the path but set
    # out of reach: the write path itself is what is measured.
    env = {
        **os.environ,
        "ZEBENCH_DATABASE_URL": database_url,
        "ZEBENCH_RATE_LIMIT_PER_MINUTE": "1000000000",
    }
    env.pop("API_SECRET_KEY", None)
    args = [ZEBENCH, "serve", "--port", str(port), "--workers", str(workers)]
    # The server's own output goes to a file, shown only if it fails to start: a load
    # generator stopping mid-request makes it log, and that would bury the figures.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            args, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            try:
                _wait_until_healthy(port, process)
            except SystemExit:
                log.seek(0)
                sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
                raise
            yield Server(process, f"http://127.0.0.1:{port}", port)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_until_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"zebench serve exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("zebench serve did not become healthy within 60 s")


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is needed as the load generator (apt-get install wrk)")
    return path


def utc_now() -> datetime:
    return datetime.now(UTC)
