"""Real brokers, real `zebench worker` processes and an agent the test holds at a gate.

Each test gets its own queue name (and Redis uses database 11), so test runs in
parallel never take each other's tasks; queues are deleted afterwards.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness_support import ZEBENCH, cli_env

BROKERS = {
    "rabbitmq": os.environ.get("ZEBENCH_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    "redis": os.environ.get("ZEBENCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/11"),
}


@functools.cache
def broker_unreachable(name: str) -> str | None:
    """Why tests on this broker must be skipped, or None when it answers."""
    from zebench.errors import UserError
    from zebench.harness.distributed.broker import check_broker

    try:
        check_broker(BROKERS[name], timeout_s=3)
    except UserError as exc:
        return f"{name} not reachable: {exc}"
    return None


def delete_queue(broker_url: str, queue: str) -> None:
    from kombu import Connection

    try:
        with Connection(broker_url, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(queue)
    except Exception as exc:  # a leftover queue is untidy, not a failure
        print(f"could not delete queue {queue}: {exc}", file=sys.stderr)


AGENT = """\
import os, pathlib, sys, time, uuid
ctl = pathlib.Path({ctl!r})
sys.stdin.read()
me = f"{{sys.argv[1]}}-{{os.getpid()}}-{{uuid.uuid4().hex[:6]}}"
(ctl / "started" / me).write_text("")
if {sleep_s!r} is not None:
    time.sleep({sleep_s!r})
else:
    while not (ctl / "open").exists():
        time.sleep(0.01)
pathlib.Path("DONE.txt").write_text("done")
with open(ctl / "finished.log", "a") as log:
    log.write(me + "\\n")
"""


@dataclass
class Gate:
    """The control directory of the fake agent: who started, open the gate, who finished."""

    ctl: Path

    def __post_init__(self) -> None:
        (self.ctl / "started").mkdir(parents=True, exist_ok=True)

    def script(self, sleep_s: float | None = None) -> Path:
        path = self.ctl / f"agent-{sleep_s}.py"
        path.write_text(AGENT.format(ctl=str(self.ctl), sleep_s=sleep_s))
        return path

    def command(self, worker: str, sleep_s: float | None = None) -> str:
        return f"{sys.executable} {self.script(sleep_s)} {worker}"

    def started(self) -> list[str]:
        return sorted(p.name for p in (self.ctl / "started").iterdir())

    def open(self) -> None:
        (self.ctl / "open").write_text("")

    def wait_started(self, count: int, within_s: float = 60.0) -> list[str]:
        return wait_for(lambda: len(self.started()) >= count, within_s, "agents to start") and (
            self.started()
        )


def wait_for(check: Any, within_s: float, what: str) -> bool:
    """Poll ``check`` until it is true; fail the test with ``what`` after ``within_s``."""
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within_s:g} s waiting for {what}")
        time.sleep(0.05)
    return True


def make_suite(root: Path, name: str = "dist", scenarios: int = 1) -> Path:
    """A suite of scenarios s1..sN with tiers L0 and L1 and no commands of their own, so
    that a run lasts as long as its agent."""
    suite = root / name
    for i in range(1, scenarios + 1):
        sid = f"s{i}"
        scenario_dir = suite / "scenarios" / sid
        (scenario_dir / "repo-fixture").mkdir(parents=True)
        (scenario_dir / "repo-fixture" / "README.md").write_text(f"fixture {sid}\n")
        (scenario_dir / "scenario.yaml").write_text(
            yaml.safe_dump(
                {
                    "id": sid,
                    "suite": name,
                    "title": f"Scenario {sid}",
                    "timeout_minutes": 5,
                    "heuristic_checks": {
                        "enabled": True,
                        "patterns": [{"name": "done", "file": "DONE.txt", "pattern": "done"}],
                    },
                }
            )
        )
        prompts = suite / "prompts" / sid
        prompts.mkdir(parents=True)
        (prompts / "L0-minimal.md").write_text("Write DONE.txt.")
        (prompts / "L1-basic.md").write_text("Write the word done into DONE.txt.")
    return suite


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    home: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@dataclass
class Cluster:
    """Workers on one queue of one broker, delivering to one results service."""

    broker_url: str
    results_url: str
    root: Path
    gate: Gate
    queue: str = field(default_factory=lambda: f"zt-{uuid.uuid4().hex[:10]}")
    workers: list[Worker] = field(default_factory=list)

    def worker_env(self, home: Path, **extra: str) -> dict[str, str]:
        # The gate agent talks to the test through files outside its workspace, which a
        # sandbox (rightly) hides: these workers run unconfined unless told otherwise.
        values = {"ZEBENCH_SANDBOX": "none", **extra}
        return cli_env(home, ZE_BENCHMARKS_WORKER_URL=self.results_url, **values)

    def start_worker(
        self,
        name: str,
        *,
        concurrency: int = 1,
        agent_command: str | None = "",
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
        wait_ready: bool = True,
    ) -> Worker:
        """A `zebench worker` with a home and working directory of its own (no suite in
        either); ``agent_command`` "" means the gate agent, None no agent command at all."""
        home = self.root / f"home-{name}"
        home.mkdir(parents=True)
        extra = dict(env or {})
        if agent_command is not None:
            extra["ZEBENCH_AGENT_COMMAND"] = agent_command or self.gate.command(name)
        log = self.root / f"worker-{name}.log"
        args = [
            ZEBENCH, "worker", "--broker", self.broker_url, "--queue", self.queue,
            "--concurrency", str(concurrency), "--name", f"{name}.{self.queue}@%h",
            *(extra_args or []),
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(
                args, env=self.worker_env(home, **extra), cwd=home, stdout=out, stderr=out
            )
        worker = Worker(name, process, log, home)
        self.workers.append(worker)
        if wait_ready:
            wait_for(
                lambda: " ready." in worker.text() or process.poll() is not None,
                60,
                f"worker {name} to be ready",
            )
            assert process.poll() is None, worker.text()
        return worker

    def stop(self) -> None:
        self.gate.open()  # agents of killed workers exit too
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait(timeout=10)
        delete_queue(self.broker_url, self.queue)


def submitter_env(home: Path, results_url: str, suites_dir: Path) -> dict[str, str]:
    return cli_env(home, ZE_BENCHMARKS_WORKER_URL=results_url, ZEBENCH_SUITES_DIR=str(suites_dir))
