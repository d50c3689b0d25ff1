"""Delivery over HTTP: to the real results service, with retries, refusals and the spool."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from zebench.delivery import Delivery, Spool
from zebench.delivery.http import HttpSink
from zebench.model.results import BatchIn, ResultIn


def _result(run_id: str, score: float = 7.5, batch_id: str | None = "batch-h") -> ResultIn:
    return ResultIn.model_validate(
        {
            "runId": run_id,
            "batchId": batch_id,
            "suite": "example",
            "scenario": "fix-slugify",
            "tier": "L1",
            "agent": "echo",
            "status": "completed",
            "startedAt": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).isoformat(),
            "completedAt": datetime(2026, 1, 2, 3, 4, 9, tzinfo=UTC).isoformat(),
            "weightedScore": score,
            "metadata": {"iteration": 1},
            "evaluations": [{"evaluatorName": "heuristic_checks", "score": 0.5, "maxScore": 1}],
            "telemetry": {"toolCalls": 0, "tokensIn": 0, "tokensOut": 0, "durationMs": 3},
            "transcript": {"messages": [{"role": "user", "content": "hi"}]},
        }
    )


def _delivery(url: str, spool_dir: Path, attempts: int = 3) -> Delivery:
    sink = HttpSink(url, "dev-local-key", attempts=attempts, backoff_s=0.01, timeout_s=5)
    return Delivery(sink, Spool(spool_dir))


async def test_results_reach_the_service_once_however_often_sent(
    live_server: Any, tmp_path: Path
) -> None:
    delivery = _delivery(live_server.url, tmp_path / "spool")
    try:
        batch = BatchIn(batch_id="batch-h", created_at=1_700_000_000_000, metadata={"m": 1})
        assert (await delivery.submit_batch(batch)).outcome == "delivered"
        first = await delivery.submit_result(_result("run-h1"))
        again = await delivery.submit_result(_result("run-h1"))
        assert (first.outcome, again.outcome) == ("delivered", "duplicate")
        conflict = await delivery.submit_result(_result("run-h1", score=1.0))
        assert conflict.outcome == "rejected" and "409" in conflict.message
        assert delivery.pending() == []
        assert len(list((tmp_path / "spool" / "rejected").iterdir())) == 1
        info = await delivery.batch_info("batch-h")
        assert info is not None and info.metadata == {"m": 1}
        assert [(r.run_id, r.iteration) for r in info.runs] == [("run-h1", 1)]
        assert await delivery.batch_info("batch-unknown") is None
    finally:
        await delivery.aclose()
    detail = httpx.get(f"{live_server.url}/api/runs/run-h1").json()
    assert detail["run"]["weightedScore"] == 7.5
    assert detail["evaluations"][0]["evaluatorName"] == "heuristic_checks"
    transcript = httpx.get(f"{live_server.url}/api/runs/run-h1/transcript").json()
    assert transcript == {"messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_spooled_while_the_server_is_down_then_synced_once_it_is_up(
    server_switch: Any, tmp_path: Path
) -> None:
    url = server_switch.url
    delivery = _delivery(url, tmp_path / "spool", attempts=2)
    try:
        down = await delivery.submit_result(_result("run-down"))
        assert down.outcome == "spooled" and "unreachable" in down.message
        assert [e.key for e in delivery.pending()] == ["run-down"]
        assert [r.outcome for r in await delivery.sync()] == ["spooled"]  # still down

        server_switch.start()
        reports = await delivery.sync()
        assert [(r.key, r.outcome) for r in reports] == [("run-down", "delivered")]
        assert delivery.pending() == []
        assert httpx.get(f"{url}/api/runs/run-down").status_code == 200
    finally:
        await delivery.aclose()


class _Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next (status, headers) of the server's script."""

    def do_POST(self) -> None:
        server: Any = self.server
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        server.requests.append((self.path, self.headers.get("authorization"), json.loads(body)))
        status, headers = server.script.pop(0) if server.script else (500, {})
        payload = json.dumps({"success": status < 300, "runId": "x", "error": "scripted"})
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    server.script, server.requests = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


async def test_5xx_and_429_are_retried_with_backoff(scripted: Any, tmp_path: Path) -> None:
    scripted.script = [(503, {}), (429, {"Retry-After": "0"}), (201, {})]
    delivery = _delivery(scripted.url, tmp_path, attempts=5)
    report = await delivery.submit_result(_result("run-r"))
    await delivery.aclose()
    assert report.outcome == "delivered"
    assert len(scripted.requests) == 3
    assert all(auth == "Bearer dev-local-key" for _, auth, _ in scripted.requests)
    assert scripted.requests[0][0] == "/api/results"
    assert scripted.requests[0][2]["runId"] == "run-r"


async def test_4xx_is_not_retried(scripted: Any, tmp_path: Path) -> None:
    scripted.script = [(422, {}), (201, {})]
    delivery = _delivery(scripted.url, tmp_path, attempts=5)
    report = await delivery.submit_result(_result("run-bad"))
    await delivery.aclose()
    assert report.outcome == "rejected" and len(scripted.requests) == 1


async def test_a_refused_key_keeps_the_result_for_a_later_sync(
    scripted: Any, tmp_path: Path
) -> None:
    scripted.script = [(403, {})]
    delivery = _delivery(scripted.url, tmp_path, attempts=5)
    report = await delivery.submit_result(_result("run-key"))
    await delivery.aclose()
    assert report.outcome == "spooled" and "ZE_BENCHMARKS_API_KEY" in report.message
    assert len(scripted.requests) == 1
    assert [e.key for e in delivery.pending()] == ["run-key"]


async def test_after_exhausted_retries_later_results_get_one_try(
    scripted: Any, tmp_path: Path
) -> None:
    scripted.script = [(503, {})] * 3 + [(503, {}), (201, {}), (201, {})]
    delivery = _delivery(scripted.url, tmp_path, attempts=3)
    assert (await delivery.submit_result(_result("run-1"))).outcome == "spooled"
    assert (await delivery.submit_result(_result("run-2"))).outcome == "spooled"
    assert len(scripted.requests) == 4  # three tries, then one
    assert (await delivery.submit_result(_result("run-3"))).outcome == "delivered"
    # Sync goes oldest first; the script's last 201 takes run-1, then the server fails again.
    reports = await delivery.sync()
    assert [(r.key, r.outcome) for r in reports] == [("run-1", "delivered"), ("run-2", "spooled")]
    await delivery.aclose()
