"""Distributed batches end to end: a real results service on loopback, real RabbitMQ and
Redis, real `zebench worker` processes with homes of their own that never see the
submitter's suite directory (it is removed once the runs are queued)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from distributed_support import (
    BROKERS,
    Cluster,
    Gate,
    broker_unreachable,
    make_suite,
    submitter_env,
    wait_for,
)
from harness_support import ZEBENCH, cli_env, zebench
from loopback import app_settings, free_port, serving_app
from zebench.delivery.base import json_object
from zebench.store.database import Database
from zebench.store.migrate import upgrade


@pytest.fixture
def results(tmp_path: Path) -> Iterator[str]:
    """The results service (real app, SQLite file) on a loopback port."""
    url = f"sqlite:///{tmp_path / 'results.db'}"
    db = Database(url)
    upgrade(db)
    try:
        with serving_app(app_settings(url), db) as server:
            yield server.url
    finally:
        db.close()


@pytest.fixture(params=list(BROKERS))
def cluster(request: pytest.FixtureRequest, tmp_path: Path, results: str) -> Iterator[Cluster]:
    reason = broker_unreachable(request.param)
    if reason is not None:
        print(f"skipped: {reason}")
        pytest.skip(reason)
    found = Cluster(BROKERS[request.param], results, tmp_path, Gate(tmp_path / "ctl"))
    try:
        yield found
    finally:
        found.stop()


def _batch(results_url: str, batch_id: str) -> dict[str, Any]:
    response = httpx.get(f"{results_url}/api/batches/{batch_id}")
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    for run in body["runs"]:  # the API gives metadata as JSON text (the original's form)
        run["metadata"] = json_object(run["metadata"])
    return body


def _cells(runs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r["scenario"], r["tier"], r["agent"], r["metadata"]["iteration"]) for r in runs)


def _submit(cluster: Cluster, suite_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = submitter_env(cluster.root / "submitter", cluster.results_url, suite_root)
    done: subprocess.CompletedProcess[str] = zebench(
        ["batch", "--suite", "dist", "--agent", "command", "--broker", cluster.broker_url,
         "--queue", cluster.queue, *args],
        env,
    )  # fmt: skip
    return done


def _submit_detached(cluster: Cluster, suite_root: Path, *args: str) -> str:
    done = _submit(cluster, suite_root, "--detach", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    batch_id = done.stdout.split()[1].rstrip(":")
    assert batch_id.startswith("batch-"), done.stdout
    return batch_id


def _resume(cluster: Cluster, batch_id: str) -> subprocess.CompletedProcess[str]:
    env = submitter_env(cluster.root / "submitter", cluster.results_url, cluster.root / "none")
    done: subprocess.CompletedProcess[str] = zebench(
        ["batch", "--resume", batch_id, "--broker", cluster.broker_url, "--queue", cluster.queue],
        env,
    )
    return done


def test_workers_run_a_batch_whose_suite_only_the_results_service_has(cluster: Cluster) -> None:
    suite_root = cluster.root / "suites"
    make_suite(suite_root, scenarios=2)
    first = cluster.start_worker("w1")
    second = cluster.start_worker("w2")
    batch_id = _submit_detached(cluster, suite_root, "--iterations", "2")
    shutil.rmtree(suite_root)  # the workers get it as a bundle, not from this disk

    # Both workers hold a run at once: the runs really are spread over them.
    started = cluster.gate.wait_started(2)
    assert {name.split("-")[0] for name in started} == {"w1", "w2"}
    cluster.gate.open()

    done = _resume(cluster, batch_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 run(s) sent" in done.stdout  # all were queued already: resume only follows
    batch = _batch(cluster.results_url, batch_id)
    runs = batch["runs"]
    assert _cells(runs) == sorted(
        (s, t, "command", i) for s in ("s1", "s2") for t in ("L0", "L1") for i in (1, 2)
    )
    assert all(r["status"] == "completed" and r["isSuccessful"] for r in runs)
    assert {r["metadata"]["worker"]["node"].split(".")[0] for r in runs} == {"w1", "w2"}
    assert batch["completedAt"] is not None
    for worker in (first, second):
        cached = list((worker.home / "suite-cache").glob("*/dist/scenarios/s1/scenario.yaml"))
        assert len(cached) == 1
        assert "took run-" in worker.text()
    assert "batch " + batch_id in done.stdout  # the summary table


def test_a_run_of_a_killed_worker_is_stored_once_by_another(cluster: Cluster) -> None:
    suite_root = cluster.root / "suites"
    make_suite(suite_root)
    doomed = cluster.start_worker("doomed", extra_args=["--visibility-timeout", "3"])
    batch_id = _submit_detached(cluster, suite_root, "--tier", "L0")
    (held,) = cluster.gate.wait_started(1)
    assert held.startswith("doomed-")
    doomed.kill()  # SIGKILL: no goodbye to the broker, the run unacknowledged

    cluster.gate.open()
    rescuer = cluster.start_worker("rescuer", extra_args=["--visibility-timeout", "3"])
    done = _resume(cluster, batch_id)
    assert done.returncode == 0, done.stdout + done.stderr

    runs = _batch(cluster.results_url, batch_id)["runs"]
    assert len(runs) == 1, runs
    assert runs[0]["status"] == "completed"
    assert runs[0]["metadata"]["worker"]["node"].startswith("rescuer.")
    assert f"took {runs[0]['runId']}" in rescuer.text()
    # The killed worker's agent was started, then the rescuer's: two starts, one stored run.
    assert sorted(n.split("-")[0] for n in cluster.gate.started()) == ["doomed", "rescuer"]


def test_a_killed_submitter_leaves_the_workers_going_and_resume_shows_it_complete(
    cluster: Cluster,
) -> None:
    suite_root = cluster.root / "suites"
    make_suite(suite_root)
    cluster.start_worker("w1", concurrency=2)
    env = submitter_env(cluster.root / "submitter", cluster.results_url, suite_root)
    submitter = subprocess.Popen(
        [ZEBENCH, "batch", "--suite", "dist", "--agent", "command", "--broker",
         cluster.broker_url, "--queue", cluster.queue],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    cluster.gate.wait_started(2)
    submitter.send_signal(signal.SIGKILL)
    submitter.wait(timeout=10)
    (batch,) = httpx.get(f"{cluster.results_url}/api/batches").json()
    batch_id = batch["batchId"]
    shutil.rmtree(suite_root)
    cluster.gate.open()

    wait_for(
        lambda: _batch(cluster.results_url, batch_id)["completedAt"] is not None,
        60,
        "the workers to complete the batch",
    )
    done = _resume(cluster, batch_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 run(s) sent" in done.stdout and "2 already done" in done.stdout
    assert "runs" in done.stdout and "command" in done.stdout  # the summary table
    assert len(_batch(cluster.results_url, batch_id)["runs"]) == 2


def test_a_worker_without_the_agent_command_stores_failed_runs_saying_so(
    cluster: Cluster,
) -> None:
    suite_root = cluster.root / "suites"
    make_suite(suite_root)
    cluster.start_worker("bare", agent_command=None)
    done = _submit(cluster, suite_root, "--tier", "L1")
    (batch,) = httpx.get(f"{cluster.results_url}/api/batches").json()
    runs = _batch(cluster.results_url, batch["batchId"])["runs"]
    assert [r["status"] for r in runs] == ["failed"]
    error = runs[0]["metadata"]["error"]
    assert "ZEBENCH_AGENT_COMMAND" in error and runs[0]["metadata"]["errorType"] == "agent"
    assert "ZEBENCH_AGENT_COMMAND" in done.stdout


def test_a_suite_bundle_the_worker_cannot_unpack_is_a_stored_failure(cluster: Cluster) -> None:
    from zebench.harness.distributed.submit import publish
    from zebench.harness.distributed.task import RunTask, SuiteRef, run_id_for
    from zebench.harness.matrix import RunSpec

    cluster.start_worker("w1")
    junk = b"this is not a gzipped tarball"
    digest = hashlib.sha256(junk).hexdigest()
    batch_id = "batch-unpackable"
    httpx.post(
        f"{cluster.results_url}/api/results/batch",
        json={"batchId": batch_id},
        headers={"Authorization": "Bearer dev-local-key"},
    ).raise_for_status()
    spec = RunSpec("dist", "s1", "L0", "command", None, 1)
    ref = SuiteRef("dist", digest, base64.b64encode(junk).decode())
    publish(cluster.broker_url, cluster.queue, [
        RunTask(batch_id, run_id_for(batch_id, spec.key, 1), spec, ref)
    ])  # fmt: skip
    wait_for(lambda: _batch(cluster.results_url, batch_id)["runs"], 60, "the failed run")
    (run,) = _batch(cluster.results_url, batch_id)["runs"]
    assert run["status"] == "failed" and run["metadata"]["errorType"] == "suite"
    assert "cannot be unpacked" in run["metadata"]["error"], run["metadata"]
    assert cluster.gate.started() == []


def test_an_unreachable_broker_is_one_line_and_nothing_is_queued(
    tmp_path: Path, results: str
) -> None:
    suite_root = tmp_path / "suites"
    make_suite(suite_root)
    dead = f"amqp://guest:secret@127.0.0.1:{free_port()}//"
    env = submitter_env(tmp_path / "submitter", results, suite_root)
    done = zebench(["batch", "--suite", "dist", "--broker", dead], env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unreachable" in lines[0] and "secret" not in lines[0], done.stderr
    assert httpx.get(f"{results}/api/batches").json() == []

    worker = zebench(
        ["worker", "--broker", dead], cli_env(tmp_path / "w", ZE_BENCHMARKS_WORKER_URL=results)
    )
    assert worker.returncode != 0 and "unreachable" in worker.stderr
    assert len(worker.stderr.strip().splitlines()) == 1


def test_a_broker_batch_needs_a_results_service(tmp_path: Path) -> None:
    suite_root = tmp_path / "suites"
    make_suite(suite_root)
    env = cli_env(tmp_path / "h", ZEBENCH_SUITES_DIR=str(suite_root))
    done = zebench(["batch", "--suite", "dist", "--broker", BROKERS["redis"]], env)
    assert done.returncode != 0
    assert "ZE_BENCHMARKS_WORKER_URL" in done.stderr
    assert json.dumps(done.stderr).count("\\n") == 1


def test_sigterm_lets_the_run_in_flight_finish(cluster: Cluster) -> None:
    suite_root = cluster.root / "suites"
    make_suite(suite_root)
    worker = cluster.start_worker("w1")
    batch_id = _submit_detached(cluster, suite_root, "--tier", "L0")
    cluster.gate.wait_started(1)
    worker.process.send_signal(signal.SIGTERM)
    wait_for(lambda: "Warm shutdown" in worker.text(), 30, "the worker to begin stopping")
    assert worker.process.poll() is None  # still there: it waits for its run

    cluster.gate.open()
    assert worker.process.wait(timeout=60) == 0
    (run,) = _batch(cluster.results_url, batch_id)["runs"]
    assert run["status"] == "completed" and run["metadata"]["worker"]["node"].startswith("w1.")


def _held_since(broker_url: str, queue: str) -> list[float]:
    """Redis: the stamps of the unacknowledged messages of ``queue``."""
    import redis

    client = redis.Redis.from_url(broker_url)
    stamps = []
    for tag, raw in client.hgetall("unacked").items():
        if json.loads(raw)[2] == queue:
            score = client.zscore("unacked_index", tag)
            if score is not None:
                stamps.append(float(score))
    return stamps


def test_redis_heartbeat_keeps_a_long_run_from_being_handed_out_again(
    cluster: Cluster,
) -> None:
    import time

    if not cluster.broker_url.startswith("redis"):
        pytest.skip("the visibility timeout is Redis's")
    suite_root = cluster.root / "suites"
    make_suite(suite_root)
    timeout = ["--visibility-timeout", "3"]
    cluster.start_worker("holder", extra_args=timeout)
    batch_id = _submit_detached(cluster, suite_root, "--tier", "L0")
    cluster.gate.wait_started(1)
    cluster.start_worker("idle", extra_args=timeout)  # would take the run if it came back

    # Hold the run past the timeout plus a restore sweep: the stamp keeps moving.
    (first,) = _held_since(cluster.broker_url, cluster.queue)
    wait_for(
        lambda: max(_held_since(cluster.broker_url, cluster.queue) or [0]) > first + 9,
        60,
        "the holder to re-stamp its message past the visibility timeout",
    )
    assert time.time() - first > 3 + 5
    cluster.gate.open()
    done = _resume(cluster, batch_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [n.split("-")[0] for n in cluster.gate.started()] == ["holder"]
    assert len(_batch(cluster.results_url, batch_id)["runs"]) == 1


def test_sigquit_hands_the_run_back_at_once(cluster: Cluster) -> None:
    suite_root = cluster.root / "suites"
    make_suite(suite_root)
    quitter = cluster.start_worker("quitter", extra_args=["--visibility-timeout", "3"])
    batch_id = _submit_detached(cluster, suite_root, "--tier", "L0")
    cluster.gate.wait_started(1)
    quitter.process.send_signal(signal.SIGQUIT)
    quitter.process.wait(timeout=30)

    cluster.start_worker("taker", extra_args=["--visibility-timeout", "3"])
    cluster.gate.wait_started(2)
    cluster.gate.open()
    done = _resume(cluster, batch_id)
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = _batch(cluster.results_url, batch_id)["runs"]
    assert run["metadata"]["worker"]["node"].startswith("taker.")


def test_workers_contain_runs_as_zebench_run_does(cluster: Cluster) -> None:
    suite_root = cluster.root / "suites"
    make_suite(suite_root)
    cluster.start_worker(
        "boxed",
        agent_command="sh -c 'echo done > DONE.txt'",
        env={"ZEBENCH_SANDBOX": "bubblewrap"},
    )
    done = _submit(cluster, suite_root, "--tier", "L0")
    assert done.returncode == 0, done.stdout + done.stderr
    (batch,) = httpx.get(f"{cluster.results_url}/api/batches").json()
    (run,) = _batch(cluster.results_url, batch["batchId"])["runs"]
    assert run["isSuccessful"], run["metadata"]
    assert run["metadata"]["isolation"]["kind"] == "bubblewrap"


def test_sandbox_flags_belong_to_the_workers(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "h", ZE_BENCHMARKS_WORKER_URL="http://127.0.0.1:9")
    done = zebench(
        ["batch", "--suite", "dist", "--broker", BROKERS["redis"], "--sandbox", "none"], env
    )
    assert done.returncode != 0 and "ZEBENCH_SANDBOX" in done.stderr
