"""Webhooks from two real ``zebench serve`` processes sharing one database: a batch
completion is POSTed signed, retried after a failure, delivered once, and ingest never
waits for the receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from api_support import result

from harness_support import ZEBENCH, cli_env
from loopback import free_port
from zebench.store.database import Database
from zebench.store.tables import webhook_outbox

SECRET = "s3cret-for-the-test"
AUTH = {"Authorization": "Bearer dev-local-key"}


@dataclass
class Receiver:
    """Records every POST; holds the first until released, then answers it 500."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    first_arrived: threading.Event = field(default_factory=threading.Event)
    release_first: threading.Event = field(default_factory=threading.Event)
    delivered: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.lock:
                first = not receiver.received
                status = 500 if first else 200
                receiver.received.append((dict(self.headers), body, status))
            if first:
                receiver.first_arrived.set()
                receiver.release_first.wait(30)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if status == 200:
                receiver.delivered.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release_first.set()
        server.shutdown()
        server.server_close()


@contextmanager
def zebench_serve(database_url: str, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [ZEBENCH, "serve", "--port", str(port), "--database-url", database_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:  # up when /health answers (or the process died: fail with its stderr)
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _outbox(url: str) -> list[Any]:
    db = Database(url)
    try:
        with db.read() as conn:
            return conn.execute(sa.select(webhook_outbox)).all()
    finally:
        db.close()


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_a_completion_is_signed_retried_and_delivered_once_by_two_servers(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    with receiving() as receiver, ExitStack() as stack:
        env = cli_env(
            tmp_path / "home",
            ZEBENCH_WEBHOOK_URL=receiver.url,
            ZEBENCH_WEBHOOK_SECRET=SECRET,
            ZEBENCH_WEBHOOK_POLL_S="0.05",
            ZEBENCH_WEBHOOK_BACKOFF_S="0.05",
            ZEBENCH_DASHBOARD_URL="https://bench.example",
        )
        one = stack.enter_context(zebench_serve(db_url, env))
        two = stack.enter_context(zebench_serve(db_url, env))

        batch = {"batchId": "batch-hooked", "createdAt": 1_790_000_000_000,
                 "metadata": {"tags": ["main"]}}  # fmt: skip
        assert httpx.post(f"{one}/api/results/batch", json=batch, headers=AUTH).status_code == 201
        runs = [
            result(batchId="batch-hooked", agent="echo", model=None, weightedScore=4.0,
                   isSuccessful=False),
            result(batchId="batch-hooked", agent="reference", model="m", weightedScore=10.0),
            result(batchId="batch-hooked", agent="reference", model="m", weightedScore=8.0),
        ]  # fmt: skip
        assert httpx.post(f"{two}/api/results", json=runs, headers=AUTH).status_code == 200
        done = {**batch, "completedAt": 1_790_000_060_000}
        # The same completion reaches both processes (a client retrying elsewhere).
        assert httpx.post(f"{one}/api/results/batch", json=done, headers=AUTH).status_code == 201
        assert receiver.first_arrived.wait(20), "no webhook arrived"
        # Ingest goes on while the receiver holds the first delivery open.
        answer = httpx.post(f"{two}/api/results/batch", json=done, headers=AUTH, timeout=10)
        assert answer.status_code == 201
        receiver.release_first.set()  # answered 500: one of the servers must try again
        assert receiver.delivered.wait(20), "the retry never arrived"
        # Every row is settled once the database says so; then stop both servers.
        deadline = time.monotonic() + 20
        while any(r.delivered_at is None for r in _outbox(db_url)):
            assert time.monotonic() < deadline, "delivery never recorded"
            time.sleep(0.05)
        stack.close()

    with receiver.lock:
        received = list(receiver.received)
    assert [status for _, _, status in received] == [500, 200]
    [(headers, body, _), (retry_headers, retry_body, _)] = received
    assert retry_body == body
    assert headers["X-Zebench-Delivery"] == retry_headers["X-Zebench-Delivery"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Zebench-Signature-256"], expected)
    assert headers["X-Zebench-Event"] == "batch.completed"

    payload = json.loads(body)
    assert payload["batchId"] == "batch-hooked" and payload["completedAt"] == 1_790_000_060_000
    assert payload["totals"]["totalRuns"] == 3 and payload["totals"]["successfulRuns"] == 2
    assert payload["totals"]["avgWeightedScore"] == pytest.approx(22 / 3)
    scores = {(s["agent"], s["model"]): s for s in payload["scores"]}
    assert scores[("reference", "m")]["avgWeightedScore"] == pytest.approx(9.0)
    assert scores[("echo", None)]["runs"] == 1
    assert payload["tags"] == ["main"]
    assert payload["dashboardUrl"] == "https://bench.example/batches/batch-hooked"

    [row] = _outbox(db_url)
    assert row.attempts == 2 and row.delivered_at is not None and row.failed_at is None


def test_a_bad_webhook_url_stops_serve_with_one_line(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home", ZEBENCH_WEBHOOK_URL="ftp://nowhere")
    proc = subprocess.run(
        [ZEBENCH, "serve", "--port", str(free_port())], env=env, capture_output=True, text=True,
        timeout=30, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "ZEBENCH_WEBHOOK_URL: expected http(s)://host/path, got 'ftp://nowhere'" in proc.stderr
