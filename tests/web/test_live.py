"""Live updates across server processes: a result POSTed to one server changes the data
version, and the pages, that another server (its own pool and caches) answers with."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from dashboard_support import serve
from loopback import AppServer
from zebench.store.database import Database
from zebench.web.rendering import path_part

KEY = {"Authorization": "Bearer dev-local-key"}


@pytest.fixture(scope="module")
def other_site(seeded_db: Database) -> Iterator[AppServer]:
    """A second server over the same database, as a second process would be."""
    second = Database(seeded_db.url)
    try:
        with serve(second) as served:
            yield served
    finally:
        second.close()


def test_a_posted_result_reaches_the_other_server(
    site: AppServer, other_site: AppServer, seeded_db: Database
) -> None:
    with httpx.Client(base_url=site.url) as a, httpx.Client(base_url=other_site.url) as b:
        before = b.get("/live/version")
        assert before.json() == a.get("/live/version").json()
        batch_id = b.get("/batches", params={"format": "json"}).json()[0]["batchId"]
        for path in ("/", "/runs", f"/batches/{path_part(batch_id)}"):
            assert b.get(path).status_code == 200  # the other server caches its figures
        now = datetime.now(tz=UTC).isoformat()
        run_id = f"posted-{time.time_ns()}"
        posted = a.post(
            "/api/results",
            headers=KEY,
            json={
                "runId": run_id,
                "batchId": batch_id,
                "suite": "update-deps",
                "scenario": "nx-pnpm-monorepo",
                "tier": "L1",
                "agent": "anthropic",
                "model": "claude-sonnet-4-5",
                "status": "completed",
                "startedAt": now,
                "completedAt": now,
                "weightedScore": 9.9,
                "isSuccessful": True,
            },
        )
        assert posted.status_code == 201, posted.text
        unchanged = b.get("/live/version", headers={"If-None-Match": before.headers["etag"]})
        assert unchanged.status_code == 200  # no 304: the version moved
        assert unchanged.json()["version"] != before.json()["version"]
        link = f'href="/runs/{path_part(run_id)}"'
        for path in ("/", "/runs", f"/batches/{path_part(batch_id)}"):
            # Fresh at once or, for costly figures, within a few refreshes.
            deadline = time.monotonic() + 5
            while link not in b.get(path).text:
                assert time.monotonic() < deadline, f"{run_id} not shown on {path}"
                time.sleep(0.05)
