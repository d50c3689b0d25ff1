"""The original Worker's HTTP contract, through real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from api_support import SEED_CURL_BODY, result, unique

from loopback import AppServer

AUTH = {"Authorization": "Bearer dev-local-key"}


@pytest.fixture
def client(api: AppServer) -> httpx.Client:
    with httpx.Client(base_url=api.url, timeout=30) as c:
        yield c  # type: ignore[misc]


def post(client: httpx.Client, body: Any) -> httpx.Response:
    return client.post("/api/results", json=body, headers=AUTH)


# --- writes -----------------------------------------------------------------------


def test_seed_curl_example_answers_201(client: httpx.Client) -> None:
    body = {**SEED_CURL_BODY, "runId": unique("test-123")}
    r = post(client, body)
    assert r.status_code == 201
    assert r.json() == {"success": True, "runId": body["runId"], "duplicate": False}
    assert r.headers["access-control-allow-origin"] == "*"
    stored = client.get(f"/api/runs/{body['runId']}").json()
    assert stored["run"]["totalScore"] == 8.5
    assert stored["run"]["isSuccessful"] is True
    assert stored["evaluations"] == []
    # "telemetry": {} is a telemetry row with nothing in it, as the original stored it.
    assert stored["telemetry"]["toolCalls"] is None


def test_identical_resend_is_a_success_and_stores_nothing_twice(client: httpx.Client) -> None:
    body = result()
    assert post(client, body).status_code == 201
    # Same content, keys in another order: still the same result.
    again = post(client, dict(reversed(list(body.items()))))
    assert again.status_code == 200
    assert again.json() == {"success": True, "runId": body["runId"], "duplicate": True}
    detail = client.get(f"/api/runs/{body['runId']}").json()
    assert len(detail["evaluations"]) == 5
    listed = client.get("/api/runs", params={"suite": body["suite"], "limit": 5000}).json()
    assert [r["runId"] for r in listed].count(body["runId"]) == 1


def test_conflicting_resend_answers_409_and_keeps_the_first(client: httpx.Client) -> None:
    body = result()
    assert post(client, body).status_code == 201
    r = post(client, {**body, "totalScore": 0.1})
    assert r.status_code == 409
    assert body["runId"] in r.json()["error"]
    assert r.json()["details"]["field"] == "runId"
    assert client.get(f"/api/runs/{body['runId']}").json()["run"]["totalScore"] == 0.8


def test_failed_runs_are_stored_with_their_error(client: httpx.Client) -> None:
    body = result(
        status="failed",
        totalScore=None,
        weightedScore=None,
        isSuccessful=False,
        metadata={"error": "agent timed out after 30 minutes", "errorType": "agent"},
        evaluations=[],
        telemetry=None,
    )
    assert post(client, body).status_code == 201
    run = client.get(f"/api/runs/{body['runId']}").json()["run"]
    assert run["status"] == "failed"
    # As the original Worker answers it: the JSON text stored (its dashboard parses it).
    assert json.loads(run["metadata"]) == {
        "error": "agent timed out after 30 minutes",
        "errorType": "agent",
    }
    assert client.get(f"/api/runs/{body['runId']}/telemetry").json() is None


def test_run_shape_and_parts(client: httpx.Client) -> None:
    transcript = {"messages": [{"role": "user", "content": "Update dependencies."}]}
    body = result(
        batchId=unique("batch"),
        specialistEnabled=True,
        specialistName="deps",
        specialistVersion="1.2",
        transcript=transcript,
    )
    assert post(client, body).status_code == 201
    detail = client.get(f"/api/runs/{body['runId']}").json()
    assert set(detail) == {"run", "evaluations", "telemetry"}
    run = detail["run"]
    assert set(run) == {
        "id", "runId", "batchId", "suite", "scenario", "tier", "agent", "model", "status",
        "startedAt", "completedAt", "totalScore", "weightedScore", "isSuccessful",
        "successMetric", "metadata", "specialistEnabled", "specialistName", "specialistVersion",
    }  # fmt: skip
    assert isinstance(run["id"], int)
    assert run["startedAt"] == "2026-01-05T10:00:00.000Z"
    assert run["completedAt"] == "2026-01-05T10:04:00.000Z"
    assert json.loads(run["metadata"]) == {"validation": {"install": 0}}
    assert (run["specialistEnabled"], run["specialistName"]) == (True, "deps")
    evaluation = detail["evaluations"][0]
    assert set(evaluation) == {
        "id", "runId", "evaluatorName", "score", "maxScore", "details", "createdAt"
    }  # fmt: skip
    assert [e["evaluatorName"] for e in detail["evaluations"]] == [
        f"evaluator-{i}" for i in range(5)
    ]
    tele = detail["telemetry"]
    assert (tele["toolCalls"], tele["tokensIn"], tele["costUsd"]) == (7, 1200, 0.012)
    assert tele["promptSent"] == "Update dependencies."
    evaluations = client.get(f"/api/runs/{body['runId']}/evaluations").json()
    assert evaluations == detail["evaluations"]
    assert client.get(f"/api/runs/{body['runId']}/telemetry").json() == tele
    assert client.get(f"/api/runs/{body['runId']}/transcript").json() == transcript


def test_unknown_run_and_missing_transcript_are_404(client: httpx.Client) -> None:
    for path in ("", "/evaluations", "/telemetry", "/transcript"):
        r = client.get(f"/api/runs/{unique('nope')}{path}")
        assert r.status_code == 404
        assert r.json()["error"] == "Run not found"
    body = result()
    post(client, body)
    r = client.get(f"/api/runs/{body['runId']}/transcript")
    assert (r.status_code, r.json()["error"]) == (404, "Transcript not found")


def test_bulk_form_answers_per_item(client: httpx.Client) -> None:
    first = result()
    assert post(client, first).status_code == 201
    fresh = result()
    items = [
        first,  # duplicate
        fresh,  # created
        {**first, "totalScore": 0.2},  # conflict
        {**result(), "evaluations": [{"evaluatorName": "x", "score": "high", "maxScore": 1}]},
        "not an object",
        {**result(), "runId": 12345},
    ]
    r = post(client, items)
    assert r.status_code == 207
    answer = r.json()
    assert (answer["success"], answer["created"], answer["duplicates"], answer["failed"]) == (
        False,
        1,
        1,
        4,
    )
    statuses = [(o["index"], o["status"]) for o in answer["results"]]
    assert statuses == [
        (0, "duplicate"),
        (1, "created"),
        (2, "conflict"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "invalid"),
    ]
    assert answer["results"][3]["details"][0]["field"] == "evaluations.0.score"
    assert client.get(f"/api/runs/{fresh['runId']}").status_code == 200
    # A bulk array that is stored whole answers 200.
    ok = post(client, [result(), result()])
    assert (ok.status_code, ok.json()["created"], ok.json()["success"]) == (200, 2, True)


def test_batch_totals_come_from_the_runs_not_the_client(client: httpx.Client) -> None:
    batch_id = unique("batch")
    created = client.post(
        "/api/results/batch",
        json={
            "batchId": batch_id,
            "createdAt": 1_767_600_000_000,
            "totalRuns": 99,
            "successfulRuns": 99,
            "avgScore": 9.9,
            "avgWeightedScore": 9.9,
            "metadata": {"agents": ["anthropic"]},
        },
        headers=AUTH,
    )
    assert created.status_code == 201
    assert created.json() == {"success": True, "batchId": batch_id}
    runs = [
        result(batchId=batch_id, totalScore=0.6, weightedScore=6.0, isSuccessful=True),
        result(batchId=batch_id, totalScore=0.8, weightedScore=8.0, isSuccessful=False),
        result(
            batchId=batch_id,
            status="failed",
            totalScore=None,
            weightedScore=None,
            isSuccessful=False,
            metadata={"error": "crash"},
        ),
    ]
    for body in runs:
        assert post(client, body).status_code == 201
    done = client.post(
        "/api/results/batch",
        json={"batchId": batch_id, "completedAt": 1_767_600_900_000, "totalRuns": 1},
        headers=AUTH,
    )
    assert done.status_code == 201
    batch = client.get(f"/api/batches/{batch_id}").json()
    assert batch["createdAt"] == 1_767_600_000_000
    assert batch["completedAt"] == 1_767_600_900_000
    assert (batch["totalRuns"], batch["successfulRuns"]) == (3, 1)
    # Completed runs with a score: (0.6 + 0.8) / 2 and (6 + 8) / 2.
    assert batch["avgScore"] == pytest.approx(0.7)
    assert batch["avgWeightedScore"] == pytest.approx(7.0)
    assert batch["metadata"] == {"agents": ["anthropic"]}
    assert [r["runId"] for r in batch["runs"]] == [r["runId"] for r in runs]


def test_batch_created_on_first_sight_of_its_id(client: httpx.Client) -> None:
    batch_id = unique("batch")
    post(client, result(batchId=batch_id, startedAt="2026-01-07T08:00:00Z"))
    batch = client.get(f"/api/batches/{batch_id}").json()
    assert batch["createdAt"] == int(datetime(2026, 1, 7, 8, tzinfo=UTC).timestamp() * 1000)
    assert batch["completedAt"] is None
    assert batch["totalRuns"] == 1


def test_batch_analytics_compare_and_404(client: httpx.Client) -> None:
    batch_id = unique("batch")
    suite = unique("suite")
    bodies = [
        result(batchId=batch_id, suite=suite, scenario="a", agent="x", weightedScore=4.0),
        result(batchId=batch_id, suite=suite, scenario="a", agent="y", weightedScore=8.0),
        result(batchId=batch_id, suite=suite, scenario="b", agent="y", isSuccessful=False),
    ]
    for body in bodies:
        post(client, body)
    analytics = client.get(f"/api/batches/{batch_id}/analytics").json()
    assert [
        (s["scenario"], s["runs"], s["successfulRuns"]) for s in analytics["suiteBreakdown"]
    ] == [
        ("a", 2, 2),
        ("b", 1, 0),
    ]
    by_agent = {a["agent"]: a for a in analytics["agentPerformance"]}
    assert by_agent["y"]["avgWeightedScore"] == 8.0
    assert (by_agent["y"]["runs"], by_agent["y"]["successfulRuns"]) == (2, 1)
    assert [a["agent"] for a in analytics["agentPerformance"]] == ["y", "x"]
    evaluator = analytics["evaluatorBreakdown"][0]
    assert evaluator["count"] == 2  # the successful runs' evaluations only
    other = unique("batch")
    post(client, result(batchId=other))
    compared = client.get("/api/batches/compare", params={"ids": f"{batch_id},{other},nope"})
    assert {b["batchId"] for b in compared.json()} == {batch_id, other}
    missing = client.get("/api/batches/compare")
    assert (missing.status_code, missing.json()["error"]) == (
        400,
        "Batch IDs required (query param: ids)",
    )
    for path in (f"/api/batches/{unique('nope')}", f"/api/batches/{unique('nope')}/analytics"):
        r = client.get(path)
        assert (r.status_code, r.json()["error"]) == (404, "Batch not found")


# --- lists --------------------------------------------------------------------------


def _store_series(client: httpx.Client, count: int, **fields: Any) -> list[str]:
    start = datetime(2026, 2, 1, tzinfo=UTC)
    bodies = [
        result(startedAt=(start + timedelta(minutes=i)).isoformat(), **fields) for i in range(count)
    ]
    assert post(client, bodies).json()["created"] == count
    return [b["runId"] for b in bodies]


def test_runs_paginate_by_cursor_without_changing_the_body(client: httpx.Client) -> None:
    suite = unique("suite")
    ids = _store_series(client, 7, suite=suite)
    seen: list[str] = []
    url: str | None = f"/api/runs?suite={suite}&limit=3"
    pages = 0
    while url:
        r = client.get(url)
        assert isinstance(r.json(), list)
        seen += [run["runId"] for run in r.json()]
        pages += 1
        nxt = r.headers.get("x-next-cursor")
        link = r.headers.get("link")
        if nxt is None:
            assert link is None
            url = None
        else:
            assert link is not None and link.endswith('rel="next"')
            url = link[1 : link.index(">")]
            assert f"cursor={nxt}" in url
    assert pages == 3
    assert seen == list(reversed(ids))  # newest first, each exactly once
    by_offset = client.get("/api/runs", params={"suite": suite, "limit": 3, "offset": 3}).json()
    assert [r["runId"] for r in by_offset] == list(reversed(ids))[3:6]


def test_runs_with_equal_start_times_page_without_loss(client: httpx.Client) -> None:
    suite = unique("suite")
    bodies = [result(suite=suite) for _ in range(5)]  # all start at the same instant
    post(client, bodies)
    first = client.get("/api/runs", params={"suite": suite, "limit": 2})
    second = client.get(
        "/api/runs", params={"suite": suite, "limit": 10, "cursor": first.headers["x-next-cursor"]}
    )
    got = [r["runId"] for r in first.json() + second.json()]
    assert sorted(got) == sorted(b["runId"] for b in bodies)
    assert len(set(got)) == 5


def test_filters_combine(client: httpx.Client) -> None:
    suite = unique("suite")
    batch_id = unique("batch")
    base = datetime(2026, 3, 1, tzinfo=UTC)
    combos = [
        ("s1", "L0", "x", "m1", "completed", batch_id, 0),
        ("s1", "L1", "x", "m1", "completed", None, 1),
        ("s1", "L1", "y", "m2", "failed", batch_id, 2),
        ("s2", "L1", "x", "m1", "completed", batch_id, 3),
        ("s1", "L1", "x", "m1", "completed", batch_id, 30),
    ]
    ids = {}
    for scenario, tier, agent, model, status, batch, day in combos:
        body = result(
            suite=suite,
            scenario=scenario,
            tier=tier,
            agent=agent,
            model=model,
            status=status,
            batchId=batch,
            startedAt=(base + timedelta(days=day)).isoformat(),
        )
        post(client, body)
        ids[(scenario, tier, agent, day)] = body["runId"]

    def found(**params: str) -> set[str]:
        r = client.get("/api/runs", params={"suite": suite, **params})
        assert r.status_code == 200, r.text
        return {run["runId"] for run in r.json()}

    assert found(scenario="s1", tier="L1", agent="x") == {
        ids[("s1", "L1", "x", 1)],
        ids[("s1", "L1", "x", 30)],
    }
    assert found(status="failed") == {ids[("s1", "L1", "y", 2)]}
    assert found(model="m1", batchId=batch_id, scenario="s1") == {
        ids[("s1", "L0", "x", 0)],
        ids[("s1", "L1", "x", 30)],
    }
    # since is inclusive, until exclusive: day 1 is in, day 3 (at exactly until) out.
    assert found(since="2026-03-02T00:00:00Z", until="2026-03-04T00:00:00Z") == {
        ids[("s1", "L1", "x", 1)],
        ids[("s1", "L1", "y", 2)],
    }
    # Empty values mean "no filter", as in the original.
    assert len(found(agent="", status="")) == 5


def test_batches_list_sorts_filters_and_paginates(client: httpx.Client) -> None:
    tag = unique("tag")
    made = []
    for i, score in enumerate([6.0, 9.0, None]):
        batch_id = f"{tag}-{i}"
        client.post(
            "/api/results/batch",
            json={"batchId": batch_id, "createdAt": 4_000_000_000_000 + i},
            headers=AUTH,
        )
        if score is not None:
            post(client, result(batchId=batch_id, weightedScore=score))
        made.append(batch_id)
    client.post(
        "/api/results/batch",
        json={"batchId": made[0], "completedAt": 4_000_000_000_100},
        headers=AUTH,
    )
    newest = client.get("/api/batches", params={"limit": 3}).json()
    assert [b["batchId"] for b in newest] == list(reversed(made))
    completed = client.get("/api/batches", params={"status": "completed", "limit": 1000}).json()
    assert made[0] in {b["batchId"] for b in completed}
    assert made[1] not in {b["batchId"] for b in completed}
    running = client.get("/api/batches", params={"status": "running", "limit": 1000}).json()
    assert made[1] in {b["batchId"] for b in running}
    by_score = client.get("/api/batches", params={"sortBy": "score", "limit": 1000}).json()
    order = [b["batchId"] for b in by_score if b["batchId"].startswith(tag)]
    assert order == [made[1], made[0], made[2]]  # no score last
    page = client.get("/api/batches", params={"limit": 2})
    nxt = client.get("/api/batches", params={"limit": 2, "cursor": page.headers["x-next-cursor"]})
    assert nxt.json()[0]["batchId"] == made[0]


# --- service ---------------------------------------------------------------------------


def test_health_checks_the_database(client: httpx.Client) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    stamp = datetime.fromisoformat(r.json()["timestamp"].replace("Z", "+00:00"))
    assert stamp.utcoffset() == timedelta(0)  # in UTC, as the original's toISOString wrote it


def test_openapi_documents_the_contract(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/health",
        "/api/results",
        "/api/results/batch",
        "/api/runs",
        "/api/runs/{run_id}",
        "/api/runs/{run_id}/evaluations",
        "/api/runs/{run_id}/telemetry",
        "/api/runs/{run_id}/transcript",
        "/api/batches",
        "/api/batches/compare",
        "/api/batches/{batch_id}",
        "/api/batches/{batch_id}/analytics",
        "/api/stats",
        "/api/stats/agents",
        "/api/stats/suites/{suite}",
        "/api/stats/scenarios/{suite}/{scenario}",
        "/api/stats/models",
        "/api/stats/evaluators/{name}/trends",
    ):
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    for name in (
        "ResultIn",
        "BatchIn",
        "EvaluationIn",
        "Run",
        "RunDetail",
        "Batch",
        "ErrorResponse",
    ):
        assert name in schemas, name
    body = paths["/api/results"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/ResultIn"} in body["oneOf"]
    assert paths["/api/results"]["post"]["security"] == [{"HTTPBearer": []}]
    assert client.get("/docs").status_code == 200


def test_stats_endpoints_answer_the_original_shapes(client: httpx.Client) -> None:
    suite = unique("suite")
    post(client, result(suite=suite, scenario="a", agent="x", model="m"))
    stats = client.get("/api/stats", params={"days": 36500}).json()
    assert set(stats) == {"totalRuns", "successfulRuns", "avgScore", "avgWeightedScore"}
    agents = client.get("/api/stats/agents").json()
    assert set(agents[0]) == {"agent", "runs", "avgScore", "minScore", "maxScore"}
    models = client.get("/api/stats/models").json()
    assert set(models[0]) == {"model", "runs", "avgScore", "minScore", "maxScore"}
    suite_stats = client.get(f"/api/stats/suites/{suite}").json()
    assert suite_stats["totalRuns"] == 1
    assert suite_stats["scenarioBreakdown"] == [{"scenario": "a", "runs": 1, "avgScore": 0.8}]
    scenario = client.get(f"/api/stats/scenarios/{suite}/a").json()
    assert scenario["agentComparison"] == [{"agent": "x", "runs": 1, "avgScore": 0.8}]
    assert (scenario["minScore"], scenario["maxScore"]) == (8.0, 8.0)
    trends = client.get("/api/stats/evaluators/evaluator-0/trends", params={"days": 2}).json()
    assert trends and set(trends[0]) == {"date", "avgScore", "count"}


def test_dashboard_client_calls_of_the_original_all_answer(client: httpx.Client) -> None:
    """Every call of the seed's api-client.ts, as it makes them."""
    body = result(batchId=unique("batch"))
    post(client, body)
    for path in (
        "/api/runs?limit=10&suite=update-deps",
        f"/api/runs/{body['runId']}",
        "/api/batches?limit=5&status=running&sortBy=date",
        f"/api/batches/{body['batchId']}",
        f"/api/batches/{body['batchId']}/analytics",
        "/api/stats?days=30",
        "/api/stats/agents",
        "/api/stats/suites/update-deps",
        "/api/stats/scenarios/update-deps/nx-pnpm-monorepo",
        "/api/stats/models",
        "/api/stats/evaluators/evaluator-1/trends?days=30",
    ):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].startswith("application/json")
