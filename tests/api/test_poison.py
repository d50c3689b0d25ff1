"""Every hostile value the service accepts, stored, then every page, every API read and
an export/import round trip: nothing stored can make any of them fail (both engines)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from api_support import result

from loopback import AppServer, empty_twin_of
from zebench.bounds import INT32_MAX, MAX_TIME_MS, MIN_TIME_MS
from zebench.service.transfer import export_jsonl, import_file

AUTH = {"Authorization": "Bearer dev-local-key"}
WIDE = "\U0001f9ea"  # four bytes in UTF-8: names at their length limit, in bytes too
BATCH = "poison-batch"
LATE_BATCH = "poison-late-batch"
PAGES = [
    "/",
    "/runs",
    "/batches",
    "/leaderboard",
    "/trends",
    "/costs",
    "/suites",
    "/evaluators",
    "/models",
    f"/batches/{BATCH}",
    f"/batches/{LATE_BATCH}",
    f"/batches/compare?ids={BATCH},{LATE_BATCH}",
]


def _accepted_hostile_results() -> list[dict[str, Any]]:
    """One result per kind of value at the edge of what is accepted."""
    edge = result(
        runId="poison-edges",
        batchId=BATCH,
        suite=WIDE * 200,
        scenario=WIDE * 200,
        agent=WIDE * 200,
        model=WIDE * 300,
        tier=WIDE * 50,
        specialistName=WIDE * 200,
        specialistVersion=WIDE * 100,
        startedAt="0001-01-01T00:00:00Z",
        completedAt="9999-12-31T23:59:59.999Z",
        totalScore=1e12,
        weightedScore=-1e12,
        successMetric=-1e12,
        metadata={
            "big": 2**63 - 1,
            "small": -(2**63),
            "huge": 1.5e300,
            "nul": "a\x00b",
            "\x00key": [[[[[["deep"]]]]]],
            "error": "<script>window.__xss=1</script>",
        },
        transcript={"messages": [{"role": "user", "content": "\x00" * 10 + "x" * 10_000}]},
    )
    edge["telemetry"].update(
        tokensIn=10**12, tokensOut=10**12, durationMs=10**12, toolCalls=INT32_MAX, costUsd=1e12
    )
    edge["evaluations"] = [
        {"evaluatorName": WIDE * 200, "score": 1e12, "maxScore": 1.0, "details": "d" * 200_000},
        {"evaluatorName": "zero-max", "score": -1e12, "maxScore": 0, "details": None},
        {
            "evaluatorName": "tiny-max",
            "score": 1e-300,
            "maxScore": 1e-300,
            "createdAt": "0001-01-01T00:00:00Z",
        },
    ]
    # A second one at the same extremes: the aggregates sum them.
    twin = json.loads(json.dumps(edge))
    twin["runId"] = "poison-twin"
    twin["status"] = "failed"
    late = result(
        runId="poison-late",
        batchId=LATE_BATCH,
        startedAt="9999-12-31T23:59:59.999Z",
        totalScore=-1e12,
        weightedScore=1e12,
    )
    return [edge, twin, late]


@pytest.fixture
def poisoned(api: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=60) as client:
        batch = {"batchId": BATCH, "createdAt": MIN_TIME_MS, "completedAt": MAX_TIME_MS}
        assert client.post("/api/results/batch", json=batch, headers=AUTH).status_code == 201
        for body in _accepted_hostile_results():
            answer = client.post("/api/results", json=body, headers=AUTH)
            assert answer.status_code in (200, 201), answer.text
        yield client


def _api_reads() -> list[str]:
    wide = quote(WIDE * 200, safe="")
    reads = [
        "/api/runs?limit=100",
        "/api/runs?limit=10000",
        "/api/runs?limit=100&metadataFormat=object",
        "/api/batches?limit=100",
        "/api/batches?sortBy=score",
        f"/api/batches/{BATCH}",
        f"/api/batches/{BATCH}?metadataFormat=object",
        f"/api/batches/{BATCH}/analytics",
        f"/api/batches/compare?ids={BATCH},{LATE_BATCH}",
        f"/api/batches/{LATE_BATCH}/analytics",
        "/api/stats?days=36500",
        "/api/stats/agents",
        "/api/stats/models",
        f"/api/stats/suites/{wide}",
        f"/api/stats/scenarios/{wide}/{wide}",
        f"/api/stats/evaluators/{wide}/trends?days=36500",
        "/api/stats/evaluators/tiny-max/trends?days=36500",
    ]
    for run_id in ("poison-edges", "poison-twin", "poison-late"):
        reads += [f"/api/runs/{run_id}{part}" for part in ("", "/evaluations", "/telemetry")]
    reads.append("/api/runs/poison-edges/transcript")
    return reads


def test_every_api_read_answers_what_was_stored(poisoned: httpx.Client) -> None:
    for path in _api_reads():
        answer = poisoned.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        answer.json()
    stored = poisoned.get("/api/runs/poison-edges").json()
    sent = _accepted_hostile_results()[0]
    run = stored["run"]
    assert (run["startedAt"], run["completedAt"]) == (
        "0001-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z",
    )
    assert (run["suite"], run["model"], run["specialistVersion"]) == (
        sent["suite"],
        sent["model"],
        sent["specialistVersion"],
    )
    assert json.loads(run["metadata"]) == sent["metadata"]
    evaluations = {e["evaluatorName"]: e for e in stored["evaluations"]}
    assert evaluations["tiny-max"]["createdAt"] == "0001-01-01T00:00:00.000Z"
    assert evaluations[WIDE * 200]["details"] == "d" * 200_000
    batch = poisoned.get(f"/api/batches/{BATCH}").json()
    assert (batch["createdAt"], batch["completedAt"]) == (MIN_TIME_MS, MAX_TIME_MS)


def test_every_page_renders_what_was_stored(poisoned: httpx.Client) -> None:
    run_pages = [f"/runs/{run}" for run in ("poison-edges", "poison-twin", "poison-late")]
    for path in [*PAGES, *run_pages, "/runs?sort=durationMs", "/runs?sort=costUsd&desc=0"]:
        answer = poisoned.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        assert "<script>window.__xss" not in answer.text
    assert "0001-01-01" in poisoned.get("/runs/poison-edges").text


def test_an_export_of_everything_imports_back_whole(
    poisoned: httpx.Client, api: AppServer, tmp_path: Path
) -> None:
    path = tmp_path / "backup.jsonl"
    with path.open("wb") as out:
        exported = export_jsonl(api.db, out)
    assert exported >= 3
    with empty_twin_of(api.db, tmp_path) as twin:
        report = import_file(twin, path)
        assert report.runs_invalid == 0, report
        assert report.runs_created == exported
        again = tmp_path / "again.jsonl"
        with again.open("wb") as out:
            export_jsonl(twin, out)
    assert again.read_bytes() == path.read_bytes()


def test_an_export_from_before_four_digit_years_imports(
    poisoned: httpx.Client, api: AppServer, tmp_path: Path
) -> None:
    path = tmp_path / "old.jsonl"
    with path.open("wb") as out:
        export_jsonl(api.db, out)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    (edge,) = [doc for doc in lines if doc.get("runId") == "poison-edges"]
    # How the export used to write year 1.
    edge["startedAt"] = "1-01-01T00:00:00.000Z"
    path.write_text(json.dumps(edge) + "\n")
    with empty_twin_of(api.db, tmp_path) as twin:
        report = import_file(twin, path)
        assert (report.runs_created, report.runs_invalid) == (1, 0)
        with twin.read() as conn:
            from zebench.api.serializers.runs import run_json
            from zebench.service.runs import get_run

            run = get_run(conn, "poison-edges").run
            assert run_json(run)["startedAt"] == ("0001-01-01T00:00:00.000Z")
