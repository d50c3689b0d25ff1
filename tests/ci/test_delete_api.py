"""DELETE /api/runs/{runId} and /api/batches/{batchId}: admin keys only; ``zebench delete``
against a live service, and the tag filters of the lists."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from api_support import result, serve, unique

from harness_support import cli_env, zebench
from zebench.service.keys import create_key
from zebench.store.database import Database


def _batch(url: str, key: str, tags: list[str], runs: int = 2) -> tuple[str, list[str]]:
    auth = {"Authorization": f"Bearer {key}"}
    batch_id = unique("batch")
    body = {"batchId": batch_id, "createdAt": 1_790_000_000_000, "metadata": {"tags": tags}}
    assert httpx.post(f"{url}/api/results/batch", json=body, headers=auth).status_code == 201
    items = [result(batchId=batch_id) for _ in range(runs)]
    assert httpx.post(f"{url}/api/results", json=items, headers=auth).status_code == 200
    return batch_id, [i["runId"] for i in items]


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_only_an_admin_key_deletes(db: Database, tmp_path: Path) -> None:
    writer = create_key(db, "ci", "write").key
    admin = create_key(db, "ops", "admin").key
    with serve(db) as server:
        url = server.url
        batch_id, run_ids = _batch(url, writer, ["main"])
        refused = httpx.delete(
            f"{url}/api/runs/{run_ids[0]}", headers={"Authorization": f"Bearer {writer}"}
        )
        assert refused.status_code == 403
        assert refused.json()["details"]["required"] == "admin"
        assert httpx.delete(f"{url}/api/runs/{run_ids[0]}").status_code == 401
        assert httpx.get(f"{url}/api/runs/{run_ids[0]}").status_code == 200

        root = {"Authorization": f"Bearer {admin}"}
        gone = httpx.delete(f"{url}/api/runs/{run_ids[0]}", headers=root)
        assert gone.status_code == 200 and gone.json()["deletedRuns"] == 1
        assert httpx.get(f"{url}/api/runs/{run_ids[0]}").status_code == 404
        assert httpx.get(f"{url}/api/batches/{batch_id}").json()["totalRuns"] == 1
        again = httpx.delete(f"{url}/api/runs/{run_ids[0]}", headers=root)
        assert again.status_code == 404 and "error" in again.json()

        removed = httpx.delete(f"{url}/api/batches/{batch_id}", headers=root)
        assert removed.status_code == 200
        assert removed.json()["runIds"] == run_ids[1:]
        assert httpx.get(f"{url}/api/batches/{batch_id}").status_code == 404
        assert httpx.get(f"{url}/api/runs/{run_ids[1]}").status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_tags_filter_batches_and_runs(db: Database) -> None:
    with serve(db) as server:
        url = server.url
        tagged, tagged_runs = _batch(url, "dev-local-key", ["main", "nightly"])
        other, _ = _batch(url, "dev-local-key", ["feature"])
        listed = httpx.get(f"{url}/api/batches", params={"tag": "nightly"}).json()
        assert [b["batchId"] for b in listed] == [tagged]
        runs = httpx.get(f"{url}/api/runs", params={"tag": "main", "limit": 100}).json()
        assert sorted(r["runId"] for r in runs) == sorted(tagged_runs)
        assert httpx.get(f"{url}/api/batches", params={"tag": "none"}).json() == []
        # Retagging a batch replaces its tags.
        body = {"batchId": other, "metadata": {"tags": ["nightly"]}}
        dev = {"Authorization": "Bearer dev-local-key"}
        assert httpx.post(f"{url}/api/results/batch", json=body, headers=dev).status_code == 201
        listed = httpx.get(f"{url}/api/batches", params={"tag": "nightly"}).json()
        assert sorted(b["batchId"] for b in listed) == sorted([tagged, other])
        assert httpx.get(f"{url}/api/batches", params={"tag": "feature"}).json() == []
        page = httpx.get(f"{url}/batches", params={"tag": "main"}).text
        assert tagged in page and other not in page


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_zebench_delete_against_a_service(db: Database, tmp_path: Path) -> None:
    admin = create_key(db, "ops", "admin").key
    writer = create_key(db, "ci", "write").key
    with serve(db) as server:
        url = server.url
        batch_id, run_ids = _batch(url, admin, ["junk"], runs=3)
        keep_id, keep_runs = _batch(url, admin, ["keep"], runs=1)
        env = cli_env(tmp_path / "home", ZE_BENCHMARKS_WORKER_URL=url, ZE_BENCHMARKS_API_KEY=admin)

        dry = zebench(["delete", "--batch", batch_id, "--dry-run"], env)
        assert dry.returncode == 0 and f"would delete batch {batch_id} with 3 run(s)" in dry.stdout
        assert httpx.get(f"{url}/api/batches/{batch_id}").status_code == 200

        weak = {**env, "ZE_BENCHMARKS_API_KEY": writer}
        refused = zebench(["delete", "--run", run_ids[0]], weak)
        assert refused.returncode == 2 and "needs admin scope" in refused.stderr

        one = zebench(["delete", "--run", run_ids[0], "--run", "run-nope"], env)
        assert one.returncode == 1  # one of them was not there
        assert f"deleted run {run_ids[0]}" in one.stdout and "not found run run-nope" in one.stdout
        assert zebench(["delete", "--batch", batch_id], env).returncode == 0
        assert httpx.get(f"{url}/api/batches/{batch_id}").status_code == 404

        before = zebench(["delete", "--before", "2030-01-01", "--suite", "no-such"], env)
        assert before.returncode == 0 and "deleted" not in before.stdout
        assert httpx.get(f"{url}/api/runs/{keep_runs[0]}").status_code == 200
        every = zebench(["delete", "--before", "2030-01-01"], env)
        assert every.returncode == 0 and f"deleted run {keep_runs[0]}" in every.stdout
        assert httpx.get(f"{url}/api/batches/{keep_id}").json()["totalRuns"] == 0


def test_delete_says_what_is_missing(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home")
    for args, message in (
        (["delete"], "say what to delete"),
        (["delete", "--suite", "s"], "--suite narrows --before"),
        (["delete", "--before", "last week"], "--before: expected a date"),
    ):
        proc = zebench(args, env)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
