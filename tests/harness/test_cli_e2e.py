"""The CLI end to end, through a live results server on loopback (and the embedded store)."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness_support import ZEBENCH, cli_env, make_scenario, zebench
from zebench.delivery import Spool

RUN_LINE = re.compile(r"^[✓✗] (completed|failed) (run-[0-9a-f]{32}) ")

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _metadata(run: dict[str, Any]) -> dict[str, Any]:
    """A run's metadata as the API gives it: the JSON text stored (original clients)."""
    value = run["metadata"]
    return json.loads(value) if isinstance(value, str) else value


def _run_ids(stdout: str) -> list[str]:
    return [m.group(2) for line in stdout.splitlines() if (m := RUN_LINE.match(line))]


@sqlite_only  # HTTP delivery on PostgreSQL: tests/delivery/test_http_delivery.py
def test_reference_succeeds_echo_does_not_both_visible_through_the_api(
    live_server: Any, tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "home", ZE_BENCHMARKS_WORKER_URL=live_server.url)
    solved = zebench(["run", "example", "fix-slugify", "L1", "reference"], env)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    failed = zebench(["run", "example", "fix-slugify", "--tier", "L1", "--agent", "echo"], env)
    assert failed.returncode == 0, failed.stdout + failed.stderr
    [ref_id], [echo_id] = _run_ids(solved.stdout), _run_ids(failed.stdout)

    runs = httpx.get(f"{live_server.url}/api/runs", params={"scenario": "fix-slugify"}).json()
    by_id = {r["runId"]: r for r in runs}
    assert by_id[ref_id]["isSuccessful"] is True and by_id[ref_id]["status"] == "completed"
    assert by_id[echo_id]["isSuccessful"] is False and by_id[echo_id]["status"] == "completed"
    assert by_id[ref_id]["weightedScore"] > by_id[echo_id]["weightedScore"]
    assert by_id[ref_id]["batchId"] != by_id[echo_id]["batchId"]

    detail = httpx.get(f"{live_server.url}/api/runs/{echo_id}").json()
    assert {e["evaluatorName"] for e in detail["evaluations"]} == {
        "tests_nonregression",
        "heuristic_checks",
        "validation_commands",
    }
    assert detail["run"]["weightedScore"] == 0.0
    assert _metadata(detail["run"])["scoringVersion"] == 2
    assert detail["telemetry"]["durationMs"] is not None
    transcript = httpx.get(f"{live_server.url}/api/runs/{echo_id}/transcript").json()
    assert transcript["messages"][0]["role"] == "user"
    assert not list((tmp_path / "home" / "spool").glob("*.json"))


@sqlite_only
def test_the_original_suites_run_with_echo_and_a_missing_tier_is_explained(
    live_server: Any, tmp_path: Path
) -> None:
    from harness_support import REFERENCE_SUITES, path_without

    env = cli_env(
        tmp_path / "home",
        ZE_BENCHMARKS_WORKER_URL=live_server.url,
        PATH=path_without(tmp_path, "pnpm"),  # missing pnpm, installed on the host or not
    )
    args = ["batch", "--suites-dir", str(REFERENCE_SUITES), "--tier", "L0", "-j", "2"]
    for suite in ("update-deps", "test-suite"):
        proc = zebench([*args, "--suite", suite], env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        [run_id] = _run_ids(proc.stdout)
        run = httpx.get(f"{live_server.url}/api/runs/{run_id}").json()["run"]
        assert run["status"] == "completed"
        install = _metadata(run)["validation"]["install"]
        assert install["exitCode"] == 127 and "pnpm: not found" in install["outputTail"]

    missing = zebench(
        ["run", "test-suite", "test-scenario", "L3", "echo", "--suites-dir", str(REFERENCE_SUITES)],
        env,
    )
    assert missing.returncode == 2
    assert "error: test-suite/test-scenario has no tier 'L3' (tiers: L0, L1, L2)" in missing.stderr


def test_a_batch_in_the_embedded_store_with_repeats_and_a_summary(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home")
    proc = zebench(
        [
            "batch",
            "--suite",
            "example",
            "--scenario",
            "release-*",
            "--tier",
            "L0",
            "--agent",
            "reference,echo",
            "--iterations",
            "2",
            "-j",
            "4",
        ],
        env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(_run_ids(proc.stdout)) == 4
    assert "score ±95% CI" in proc.stdout
    assert re.search(r"reference .* 2 +│ +0 +│ +100% +│ +10\.00 ± 0\.00", proc.stdout)
    assert re.search(r"echo .* 2 +│ +0 +│ +0% +│", proc.stdout)
    assert "sqlite:///" in proc.stdout


def _suite(root: Path, hold_after: int | None = None) -> Path:
    """A suites directory with suite ``s``, scenario ``x``, tier L1. With ``hold_after``,
    the runs after the first ``hold_after`` wait in their validation command until the
    file ``root / "release"`` exists (each run calls it twice: on the untouched fixture
    and after the agent)."""
    commands: dict[str, object] = {}
    if hold_after is not None:
        started, release = shlex.quote(str(root / "started")), shlex.quote(str(root / "release"))
        wait = (
            f"n=$(cat {started} 2>/dev/null || echo 0); echo $((n + 1)) > {started}; "
            f"while [ $n -ge {2 * hold_after} ] && [ ! -e {release} ]; do sleep 0.05; done"
        )
        commands = {"validation": {"commands": {"test": wait}}}
    scenario = {**commands, "heuristic_checks": {"files": [{"name": "a", "path": "a.txt"}]}}
    return make_scenario(root, scenario, {"a.txt": "a"}).parent


@sqlite_only
def test_a_batch_killed_mid_way_keeps_every_finished_run_and_resumes(
    live_server: Any, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = cli_env(home, ZE_BENCHMARKS_WORKER_URL=live_server.url)
    suites = _suite(tmp_path, hold_after=2)  # so that the batch is stopped half-way
    command = [ZEBENCH, "batch", "--suites-dir", str(suites), "--suite", "s", "--iterations", "6"]
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while len(_run_ids("\n".join(lines))) < 2 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
    proc.send_signal(signal.SIGTERM)
    rest, errors = proc.communicate(timeout=30)
    lines += rest.splitlines()
    assert proc.returncode == 128 + signal.SIGTERM, "\n".join(lines) + errors
    finished = _run_ids("\n".join(lines))
    assert 2 <= len(finished) < 6
    batch_id = re.search(r"batch (batch-\S+):", lines[0]).group(1)  # type: ignore[union-attr]
    assert f"zebench batch --resume {batch_id}" in "\n".join(lines)

    spooled = {e.key for e in Spool(home / "spool").entries() if e.kind == "result"}
    stored = {
        r["runId"] for r in httpx.get(f"{live_server.url}/api/batches/{batch_id}").json()["runs"]
    }
    assert all(run_id in stored or run_id in spooled for run_id in finished)
    assert list((home / "workspaces").iterdir()) == []  # the run in flight cleaned up

    # No --suites-dir: the batch recorded where its suite is.
    (tmp_path / "release").touch()
    resumed = zebench(["batch", "--resume", batch_id], env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert len(_run_ids(resumed.stdout)) == 6 - len(finished)
    batch = httpx.get(f"{live_server.url}/api/batches/{batch_id}").json()
    iterations = sorted(_metadata(r)["iteration"] for r in batch["runs"])
    assert iterations == [1, 2, 3, 4, 5, 6]
    assert batch["completedAt"] is not None and batch["totalRuns"] == 6


@sqlite_only
def test_results_kept_while_the_server_is_down_are_delivered_by_sync_and_by_the_next_run(
    server_switch: Any, tmp_path: Path
) -> None:
    url = server_switch.url
    env = cli_env(
        tmp_path / "home",
        ZE_BENCHMARKS_WORKER_URL=url,
        ZEBENCH_DELIVERY_ATTEMPTS="1",
        ZEBENCH_SUITES_DIR=str(_suite(tmp_path)),
    )
    down = zebench(["run", "s", "x", "L1", "echo"], env)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "could not be delivered and are kept in" in down.stdout
    [first] = _run_ids(down.stdout)
    still_down = zebench(["sync"], env)
    assert still_down.returncode == 1
    assert "still kept" in still_down.stdout

    server_switch.start()
    up = zebench(["sync"], env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "0 result(s) still kept" in up.stdout
    assert httpx.get(f"{url}/api/runs/{first}").json()["run"]["status"] == "completed"

    server_switch.stop()
    again = zebench(["run", "s", "x", "L1", "echo"], env)
    [second] = _run_ids(again.stdout)
    server_switch.start()
    later = zebench(["run", "s", "x", "L1", "echo"], env)
    assert "sync: delivered 2 kept result(s)" in later.stdout  # the batch and the run
    assert httpx.get(f"{url}/api/runs/{second}").status_code == 200
