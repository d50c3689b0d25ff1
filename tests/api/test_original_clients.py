"""What the original system's own clients rely on (FORMATS.md section 5), one test each:
its dashboard's long run lists, run metadata as JSON text, batch upserts keeping
``createdAt``; and ``zebench scenarios`` readable by scripts."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import result, unique

from harness_support import ZEBENCH
from loopback import AppServer
from zebench.api.routes import runs as runs_route
from zebench.service import run_stream

AUTH = {"Authorization": "Bearer dev-local-key"}


@pytest.fixture
def client(api: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=30) as c:
        yield c


def _store(client: httpx.Client, bodies: list[dict[str, Any]]) -> None:
    answer = client.post("/api/results", json=bodies, headers=AUTH)
    assert answer.status_code == 200, answer.text


def _walk(client: httpx.Client, params: dict[str, Any]) -> list[str]:
    """Every run id of a filtered list, page by page through the Link cursors."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = client.get("/api/runs", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        ids += [r["runId"] for r in page.json()]
        cursor = page.headers.get("x-next-cursor")
        if cursor is None:
            return ids


def test_the_dashboards_long_lists_are_answered_whole_and_stream(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small thresholds, so that a few dozen runs cross several chunk boundaries.
    monkeypatch.setattr(runs_route, "STREAM_FROM", 10)
    monkeypatch.setattr(run_stream, "CHUNK", 7)
    agent = unique("dash-agent")
    bodies = [
        result(
            agent=agent,
            status="failed" if i % 3 == 0 else "completed",
            startedAt=f"2026-02-01T10:{i // 2:02d}:00Z",  # pairs share a start time
        )
        for i in range(45)
    ]
    _store(client, bodies)
    newest_first = _walk(client, {"agent": agent, "limit": 4})
    assert len(newest_first) == 45

    everything = client.get("/api/runs", params={"agent": agent, "limit": 10000})
    assert everything.status_code == 200
    assert everything.headers.get("transfer-encoding") == "chunked"
    assert [r["runId"] for r in everything.json()] == newest_first
    assert "x-next-cursor" not in everything.headers

    completed = client.get(
        "/api/runs", params={"agent": agent, "limit": 10000, "status": "completed"}
    ).json()
    assert [r["runId"] for r in completed] == [
        r for r in newest_first if r not in {b["runId"] for b in bodies[::3]}
    ]
    assert {r["status"] for r in completed} == {"completed"}

    # A streamed page that is not the last: its cursor continues exactly after it.
    first = client.get("/api/runs", params={"agent": agent, "limit": 20, "offset": 3})
    assert [r["runId"] for r in first.json()] == newest_first[3:23]
    rest = client.get(
        "/api/runs",
        params={"agent": agent, "limit": 30, "cursor": first.headers["x-next-cursor"]},
    )
    assert [r["runId"] for r in rest.json()] == newest_first[23:]
    assert client.get("/api/runs", params={"agent": agent, "limit": 20, "offset": 45}).json() == []


def test_list_limits_are_accepted_as_the_original_accepts_them(client: httpx.Client) -> None:
    assert (
        client.get("/api/runs", params={"limit": 10000, "status": "completed"}).status_code == 200
    )
    assert client.get("/api/runs", params={"limit": 0}).json() == []
    assert client.get("/api/batches", params={"limit": 0}).json() == []
    assert client.get("/api/batches", params={"limit": 10000}).status_code == 200
    # The documented ceiling, far above what the dashboard asks.
    too_many = client.get("/api/runs", params={"limit": 1_000_001})
    assert too_many.status_code == 422
    assert too_many.json()["details"][0]["field"] == "limit"


def test_run_metadata_is_json_text_in_every_read_with_an_object_form_on_request(
    client: httpx.Client,
) -> None:
    batch = unique("meta-batch")
    body = result(batchId=batch, metadata={"error": "boom", "nested": {"n": [1, 2.5]}})
    _store(client, [body])
    bare = result(batchId=batch, metadata=None)
    _store(client, [bare])
    run_id = body["runId"]
    reads = {
        "list": client.get("/api/runs", params={"batchId": batch}).json(),
        "one": [client.get(f"/api/runs/{run_id}").json()["run"]],
        "batch": client.get(f"/api/batches/{batch}").json()["runs"],
    }
    for where, rows in reads.items():
        by_id = {r["runId"]: r["metadata"] for r in rows}
        text = by_id[run_id]
        assert isinstance(text, str), where
        # What the original dashboard does with it.
        assert json.loads(text) == body["metadata"], where
        if bare["runId"] in by_id:
            assert by_id[bare["runId"]] is None, where
    as_object = {"metadataFormat": "object"}
    assert (
        client.get(f"/api/runs/{run_id}", params=as_object).json()["run"]["metadata"]
        == (body["metadata"])
    )
    listed = client.get("/api/runs", params={"batchId": batch, **as_object}).json()
    assert {r["runId"]: r["metadata"] for r in listed}[run_id] == body["metadata"]
    in_batch = client.get(f"/api/batches/{batch}", params=as_object).json()["runs"]
    assert {r["runId"]: r["metadata"] for r in in_batch}[run_id] == body["metadata"]
    bad = client.get("/api/runs", params={"metadataFormat": "yaml"})
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "metadataFormat"


def test_batch_upserts_keep_the_first_created_at(client: httpx.Client) -> None:
    batch = unique("kept")
    start, end = 1_767_600_000_000, 1_767_600_321_000
    first = {"batchId": batch, "createdAt": start, "totalRuns": 0, "metadata": {"k": 1}}
    assert client.post("/api/results/batch", json=first, headers=AUTH).status_code == 201
    again = {"batchId": batch, "createdAt": end, "completedAt": end, "metadata": {"k": 2}}
    assert client.post("/api/results/batch", json=again, headers=AUTH).status_code == 201
    stored = client.get(f"/api/batches/{batch}").json()
    assert (stored["createdAt"], stored["completedAt"]) == (start, end)
    assert stored["completedAt"] - stored["createdAt"] == 321_000  # the dashboard's duration
    assert stored["metadata"] == {"k": 2}


def test_a_batch_first_seen_through_its_runs_takes_the_batchs_own_start(
    client: httpx.Client,
) -> None:
    batch = unique("late-post")
    _store(client, [result(batchId=batch, startedAt="2026-03-01T10:00:00Z")])
    before = 1_772_359_000_000  # 2026-03-01T09:56:40Z, the batch's own start
    posted = {"batchId": batch, "createdAt": before}
    assert client.post("/api/results/batch", json=posted, headers=AUTH).status_code == 201
    assert client.get(f"/api/batches/{batch}").json()["createdAt"] == before


def _long_named_suite(root: Path) -> tuple[Path, list[str]]:
    names = [
        "032-ai-sdk-model-provider-registry-with-custom-fallbacks-and-streaming-" + "x" * 30,
        "033-short",
    ]
    for name in names:
        (root / "s" / "scenarios" / name).mkdir(parents=True)
        (root / "s" / "scenarios" / name / "scenario.yaml").write_text(
            f"id: {name}\nsuite: s\ntitle: A title that is long enough to be cut at 80 columns\n"
        )
        (root / "s" / "prompts" / name).mkdir(parents=True)
        (root / "s" / "prompts" / name / "L1-basic.md").write_text("Do it.")
    return root, names


def _scenarios(suites: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "ZEBENCH_SUITES_DIR": str(suites)}
    return subprocess.run(
        [ZEBENCH, "scenarios", "s", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_scenarios_are_listed_whole_for_scripts(tmp_path: Path) -> None:
    suites, names = _long_named_suite(tmp_path)
    plain = _scenarios(suites)  # stdout is a pipe here, not a terminal
    assert plain.returncode == 0, plain.stderr
    rows = [line for line in plain.stdout.splitlines() if names[0] in line]
    assert len(rows) == 1  # on one line, not cut nor wrapped
    assert "A title that is long enough to be cut at 80 columns" in rows[0]
    assert "\x1b[" not in plain.stdout  # no colour codes
    listed = _scenarios(suites, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert [s["scenario"] for s in document] == names
    assert document[1]["tiers"] == ["L1"]
