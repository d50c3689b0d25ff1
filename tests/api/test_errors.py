"""Every error is JSON {"error", "details"} with the right status; CORS as the original."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from api_support import result, serve
from fastapi import FastAPI

from loopback import AppServer
from zebench.store.database import Database

AUTH = {"Authorization": "Bearer dev-local-key", "Content-Type": "application/json"}


@pytest.fixture
def client(api: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=30) as c:
        yield c


def _error(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "details"}
    assert isinstance(body["error"], str) and body["error"]
    return body


def test_malformed_json_is_400(client: httpx.Client) -> None:
    for path in ("/api/results", "/api/results/batch"):
        body = _error(client.post(path, content=b'{"runId": ', headers=AUTH), 400)
        assert body["error"] == "Malformed JSON"
    bulk = _error(client.post("/api/results", content=b"[{]", headers=AUTH), 400)
    assert bulk["error"] == "Malformed JSON"


def test_invalid_fields_are_422_named_by_their_camel_case_path(client: httpx.Client) -> None:
    bad = result()
    del bad["evaluations"][1]["maxScore"]
    bad["status"] = "running"
    body = _error(client.post("/api/results", json=bad, headers=AUTH), 422)
    fields = {d["field"] for d in body["details"]}  # type: ignore[union-attr]
    assert fields == {"evaluations.1.maxScore", "status"}
    assert "evaluations.1.maxScore" in str(body["error"]) or "status" in str(body["error"])
    missing = _error(client.post("/api/results", json={"runId": "x"}, headers=AUTH), 422)
    assert "startedAt" in {d["field"] for d in missing["details"]}  # type: ignore[union-attr]
    batch = _error(client.post("/api/results/batch", json={"createdAt": 1}, headers=AUTH), 422)
    assert batch["details"][0]["field"] == "batchId"  # type: ignore[index]
    query = _error(client.get("/api/runs", params={"limit": -1}), 422)
    assert query["details"][0] == {  # type: ignore[index]
        "field": "limit",
        "in": "query",
        "message": query["details"][0]["message"],  # type: ignore[index]
        "type": "greater_than_equal",
    }
    assert _error(client.get("/api/runs", params={"cursor": "garbage!"}), 422)["details"] == {
        "field": "cursor",
        "value": "garbage!",
    }
    _error(client.get("/api/batches", params={"sortBy": "name"}), 422)
    _error(client.get("/api/stats", params={"days": "a week"}), 422)


def test_authentication_comes_before_the_body(client: httpx.Client) -> None:
    r = client.post("/api/results", content=b"not json")
    assert _error(r, 401)["error"] == "Unauthorized"


def test_unknown_routes_and_methods(client: httpx.Client) -> None:
    assert _error(client.get("/api/nothing-here"), 404)["error"] == "Not found"
    assert _error(client.put("/api/runs"), 405)["error"] == "Method not allowed"
    assert _error(client.delete("/api/results"), 405)["error"] == "Method not allowed"


def test_body_over_the_limit_is_413(db: Database) -> None:
    big = result(metadata={"padding": "x" * 5000})
    with serve(db, max_body_bytes=2000) as server, httpx.Client(base_url=server.url) as c:
        declared = c.post("/api/results", json=big, headers=AUTH)
        assert _error(declared, 413)["details"] == {"limitBytes": 2000}

        def chunks() -> Iterator[bytes]:  # no Content-Length: the size is counted as it streams
            data = httpx.Request("POST", "/", json=big).content
            for i in range(0, len(data), 500):
                yield data[i : i + 500]

        streamed = c.post("/api/results", content=chunks(), headers=AUTH)
        assert "content-length" not in streamed.request.headers
        assert _error(streamed, 413)["error"] == "Request body too large"
        assert c.post("/api/results", json=result(), headers=AUTH).status_code == 201


def _add_failing_route(app: FastAPI) -> None:
    @app.get("/test/boom")
    def boom() -> None:
        raise RuntimeError("secret detail of the failure")


def test_unexpected_errors_are_a_generic_500(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with serve(db, customise=_add_failing_route) as server:
        r = httpx.get(f"{server.url}/test/boom", headers={"Origin": "https://x.example"})
    body = _error(r, 500)
    assert body == {"error": "Internal server error", "details": None}
    assert "secret" not in r.text and "Traceback" not in r.text
    assert r.headers["access-control-allow-origin"] == "*"
    assert "secret detail of the failure" in caplog.text  # logged for the operator


def test_health_is_503_when_the_database_is_down() -> None:
    down = Database("postgresql://postgres@127.0.0.1:1/nothing")
    try:
        with serve(down) as server:
            r = httpx.get(f"{server.url}/health", timeout=30)
    finally:
        down.close()
    assert _error(r, 503)["error"] == "Database unavailable"


def test_cors_reads_open_writes_from_allowed_origins(db: Database) -> None:
    allowed = "https://dash.example"
    with serve(db, cors_origins=[allowed]) as server, httpx.Client(base_url=server.url) as c:
        read = c.get("/api/runs", headers={"Origin": "https://anyone.example"})
        assert read.headers["access-control-allow-origin"] == "*"
        assert "X-Next-Cursor" in read.headers["access-control-expose-headers"]
        ok = c.post("/api/results", json=result(), headers={**AUTH, "Origin": allowed})
        assert ok.headers["access-control-allow-origin"] == allowed
        assert "Origin" in ok.headers["vary"]
        other = c.post(
            "/api/results", json=result(), headers={**AUTH, "Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers

        def preflight(origin: str, method: str) -> httpx.Response:
            return c.options(
                "/api/results",
                headers={"Origin": origin, "Access-Control-Request-Method": method},
            )

        good = preflight(allowed, "POST")
        assert good.status_code == 204
        assert good.headers["access-control-allow-origin"] == allowed
        assert "Authorization" in good.headers["access-control-allow-headers"]
        bad = preflight("https://evil.example", "POST")
        assert bad.status_code == 204
        assert "access-control-allow-origin" not in bad.headers
        assert (
            preflight("https://evil.example", "GET").headers["access-control-allow-origin"] == "*"
        )


def test_default_cors_is_the_originals(client: httpx.Client) -> None:
    r = client.options("/anything/at/all")
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
    assert r.headers["access-control-max-age"] == "86400"
    posted = client.post("/api/results", json=result(), headers={**AUTH, "Origin": "https://a.b"})
    assert posted.headers["access-control-allow-origin"] == "*"


def test_a_client_going_away_mid_body_is_not_an_error(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="zebench.api")
    with serve(db) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /api/results HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer dev-local-key\r\nContent-Type: application/json\r\n"
                b'Content-Length: 2000\r\n\r\n{"runId": "gone", '
            )
        deadline = time.monotonic() + 10
        while "client went away" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)  # polling for the server's log line, not pacing the test
    gone = [r for r in caplog.records if "client went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.DEBUG and gone[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
