"""Hostile and unlucky input: refused with a 422 naming the field, the same through the
single and the bulk POST and on both engines; or stored and read back exactly."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_support import result, serve, unique

from harness_support import ZEBENCH
from loopback import AppServer
from zebench.service.keys import create_key
from zebench.store.database import Database

AUTH = {"Authorization": "Bearer dev-local-key", "Content-Type": "application/json"}


@pytest.fixture
def client(api: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=60) as c:
        yield c


def _with(path: str, value: Any) -> dict[str, Any]:
    body = result()
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return body


REFUSED: list[tuple[str, Any]] = [
    ("telemetry.tokensIn", 2**63),
    ("telemetry.tokensOut", 2**70),
    ("telemetry.toolCalls", 2**40),
    ("telemetry.durationMs", 10**13),
    ("totalScore", 1e308),
    ("weightedScore", -1e308),
    ("evaluations.0.score", 1e300),
    ("evaluations.0.maxScore", 5e-324),  # score / maxScore would overflow
    ("runId", "nul\x00id"),
    ("runId", "a/b"),
    ("batchId", "batch/1"),
    ("suite", "su\x00ite"),
    ("agent", "\x00"),
    ("evaluations.0.details", "de\x00tails"),
    ("telemetry.promptSent", "\x00"),
    ("specialistName", "s" * 1_000_000),
    ("specialistVersion", "v" * 101),
    ("startedAt", "0001-01-01T00:00:00+01:00"),  # year 0 in UTC
    ("completedAt", "9999-12-31T23:59:59-01:00"),  # year 10000 in UTC
    ("metadata", {"big": 2**70}),
    ("metadata", {"deep": json.loads("[" * 80 + "]" * 80)}),
    ("transcript", {"messages": [{"n": -(2**64)}]}),
]


def _field_of_single(answer: httpx.Response) -> str:
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"].startswith(f"Invalid field '{body['details'][0]['field']}'")
    return str(body["details"][0]["field"])


def _field_of_bulk_item(answer: httpx.Response) -> str:
    assert answer.status_code == 207, answer.text
    (item,) = answer.json()["results"]
    assert item["status"] == "invalid"
    return str(item["details"][0]["field"])


@pytest.mark.parametrize(("path", "value"), REFUSED, ids=[p for p, _ in REFUSED])
def test_out_of_bounds_values_are_refused_by_name_on_both_paths(
    client: httpx.Client, path: str, value: Any
) -> None:
    body = _with(path, value)
    single = client.post("/api/results", content=json.dumps(body), headers=AUTH)
    bulk = client.post("/api/results", content=json.dumps([body]), headers=AUTH)
    assert _field_of_single(single) == _field_of_bulk_item(bulk) == path
    if isinstance(body["runId"], str) and "\x00" not in body["runId"] and "/" not in body["runId"]:
        assert client.get(f"/api/runs/{body['runId']}").status_code == 404


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_in_metadata_are_refused_on_both_paths(
    client: httpx.Client, token: str
) -> None:
    text = json.dumps(_with("metadata", {"x": "MARK"})).replace('"MARK"', token)
    single = client.post("/api/results", content=text, headers=AUTH)
    bulk = client.post("/api/results", content=f"[{text}]", headers=AUTH)
    assert _field_of_single(single) == _field_of_bulk_item(bulk) == "metadata"
    assert "'x'" in single.json()["error"]


def test_times_of_year_0001_and_large_accepted_values_read_back_exactly(
    client: httpx.Client,
) -> None:
    body = result(
        startedAt="0001-01-01T00:00:00Z",
        completedAt="9999-12-31T23:59:59.999Z",
        totalScore=1e12,
        weightedScore=-1e12,
        metadata={"big": 2**63 - 1, "small": -(2**63), "nul": "a\x00b", "f": 1.5e300},
    )
    body["telemetry"].update(tokensIn=10**12, toolCalls=2**31 - 1)
    body["evaluations"][0]["details"] = "x" * 100_000
    assert client.post("/api/results", json=body, headers=AUTH).status_code == 201
    stored = client.get(f"/api/runs/{body['runId']}").json()
    run = stored["run"]
    assert (run["startedAt"], run["completedAt"]) == (
        "0001-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z",
    )
    assert (run["totalScore"], run["weightedScore"]) == (1e12, -1e12)
    assert json.loads(run["metadata"]) == body["metadata"]
    assert (stored["telemetry"]["tokensIn"], stored["telemetry"]["toolCalls"]) == (
        10**12,
        2**31 - 1,
    )
    assert stored["evaluations"][0]["details"] == "x" * 100_000
    # A retry of the same content is still a duplicate, not a conflict.
    again = client.post("/api/results", json=body, headers=AUTH)
    assert again.status_code == 200 and again.json()["duplicate"] is True


@pytest.mark.parametrize(
    ("field", "value"),
    [("createdAt", 1_767_600_000_000_000_000), ("completedAt", 2**70), ("batchId", "a\x00")],
)
def test_batch_times_in_nanoseconds_and_nul_ids_are_refused(
    client: httpx.Client, field: str, value: Any
) -> None:
    body = {"batchId": unique("b"), "createdAt": 1_767_600_000_000, field: value}
    answer = client.post("/api/results/batch", content=json.dumps(body), headers=AUTH)
    assert answer.status_code == 422
    assert answer.json()["details"][0]["field"] == field


@pytest.mark.parametrize("route", ["/api/runs", "/api/batches"])
@pytest.mark.parametrize("offset", [str(2**63), "1e23", str(2**53)])
def test_offsets_past_the_bound_are_422(client: httpx.Client, route: str, offset: str) -> None:
    answer = client.get(route, params={"offset": offset})
    assert answer.status_code == 422
    assert answer.json()["details"][0]["field"] == "offset"


@pytest.mark.parametrize(
    "cursor",
    ["OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OjE", "99999999999999999999", "²", "9" * 5000],
)
def test_cursors_out_of_range_are_422(client: httpx.Client, cursor: str) -> None:
    for route in ("/api/runs", "/api/batches"):
        answer = client.get(route, params={"cursor": cursor})
        assert answer.status_code == 422, (route, answer.text)
        assert answer.json()["details"]["field"] == "cursor"


@pytest.mark.parametrize("route", ["/api/runs", "/api/batches", "/api/stats/agents", "/runs"])
def test_nul_in_a_query_parameter_is_422_naming_it(client: httpx.Client, route: str) -> None:
    answer = client.get(f"{route}?suite=%00&limit=5")
    assert answer.status_code == 422
    assert answer.json()["details"][0] == {
        "field": "suite",
        "in": "query",
        "message": "must not contain NUL (\\u0000) characters",
        "type": "nul_character",
    }
    assert answer.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "path", ["/api/runs/%00", "/api/batches/a%00b", "/api/stats/suites/%00", "/runs/%00"]
)
def test_nul_in_a_path_is_404(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_scrape_needs_the_admin_scope(db: Database) -> None:
    writer = create_key(db, "writer", "write")
    with serve(db, api_secret_key="s3cret", key_cache_seconds=0) as server:
        refused = httpx.post(
            f"{server.url}/api/scrape", headers={"Authorization": f"Bearer {writer.key}"}
        )
        assert refused.status_code == 403
        assert refused.json()["details"] == {"scope": "write", "required": "admin"}
        assert httpx.post(f"{server.url}/api/scrape").status_code == 401


def test_refused_keys_are_rate_limited_per_client_address(db: Database) -> None:
    with serve(db, api_secret_key="s3cret", key_failures_per_minute=3) as server:

        def attempt(key: str) -> httpx.Response:
            return httpx.post(
                f"{server.url}/api/results",
                json=result(),
                headers={"Authorization": f"Bearer {key}"},
            )

        assert [attempt(f"guess-{i}").status_code for i in range(3)] == [403, 403, 403]
        blocked = attempt("guess-3")
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) >= 1
        assert blocked.json()["details"]["limitPerMinute"] == 3
        # Even the right key waits: a guesser learns nothing from the answer.
        assert attempt("s3cret").status_code == 429
    with serve(db, api_secret_key="s3cret", key_failures_per_minute=3) as server:
        ok = httpx.post(
            f"{server.url}/api/results",
            json=result(),
            headers={"Authorization": "Bearer s3cret"},
        )
        assert ok.status_code == 201  # a fresh process, a fresh allowance


def test_the_single_duplicate_answer_matches_the_declared_openapi_shapes(
    client: httpx.Client,
) -> None:
    schema = client.get("/openapi.json").json()
    declared = schema["paths"]["/api/results"]["post"]["responses"]["200"]["content"]
    refs = {s["$ref"].rsplit("/", 1)[1] for s in declared["application/json"]["schema"]["anyOf"]}
    assert refs == {"SubmitResponse", "BulkSubmitResponse"}
    body = result()
    client.post("/api/results", json=body, headers=AUTH)
    duplicate = client.post("/api/results", json=body, headers=AUTH).json()
    assert set(duplicate) == set(schema["components"]["schemas"]["SubmitResponse"]["properties"])


def test_serve_honours_zebench_host(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ZEBENCH_HOME": str(tmp_path / "zb"),
        "ZEBENCH_HOST": "0.0.0.0",
    }
    # No key is configured, so serving on 0.0.0.0 is refused before anything binds.
    refused = subprocess.run(
        [ZEBENCH, "serve"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert refused.returncode != 0
    assert "refusing to listen on 0.0.0.0" in refused.stderr
