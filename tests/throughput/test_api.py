"""/api/models and POST /api/scrape over real HTTP, against the fake source."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fake_chutes import FakeChutes, make_dataset
from throughput_support import TODAY, DayClock, RunningServer, scrape_settings

from loopback import free_port
from zebench.model.time import now_ms
from zebench.store.database import Database
from zebench.store.migrate import upgrade
from zebench.store.tables import runs
from zebench.store.throughput_tables import meta, model_daily, models, scrape_leases
from zebench.throughput import Scraper
from zebench.throughput.lease import SCRAPE_LEASE

KEY = {"Authorization": "Bearer dev-local-key"}
STATS = "/invocations/stats/llm"


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, fake_chutes: FakeChutes
) -> Iterator[RunningServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('api')}/zebench.db"
    db = Database(url)
    upgrade(db)
    settings = scrape_settings(
        url, fake_chutes.url, server={"port": free_port()}, throughput={"scrape_timeout_s": 0.5}
    )
    server = RunningServer(settings, db)
    # The scrape day of the fixtures, so that their today is partial.
    server.app.state.scraper = Scraper(db, settings.throughput, clock=DayClock(TODAY))
    yield server
    server.stop()
    db.close()


@pytest.fixture
def client(api: RunningServer, chutes: FakeChutes) -> Iterator[httpx.Client]:
    """A client of a server whose leaderboard is empty (before the first cycle)."""

    def empty(conn: sa.Connection) -> None:
        for table in (model_daily, models, meta, scrape_leases):
            conn.execute(table.delete())
        conn.execute(runs.delete().where(runs.c.run_id.like("lb-%")))

    api.db.write(empty)
    with httpx.Client(base_url=api.url, timeout=30) as http:
        yield http


@pytest.fixture
def scraped(client: httpx.Client) -> httpx.Client:
    answer = client.post("/api/scrape", headers=KEY)
    assert answer.status_code == 200, answer.text
    return client


def test_before_the_first_cycle_the_list_is_empty_not_an_error(client: httpx.Client) -> None:
    answer = client.get("/api/models")
    assert answer.status_code == 200
    assert answer.json() == {"models": [], "total": 0, "scraped_at": None}
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert answer.headers["etag"].startswith('"')


def test_unknown_model_is_a_json_404(client: httpx.Client) -> None:
    answer = client.get("/api/models/00000000-0000-4000-8000-000000000000")
    assert answer.status_code == 404
    assert answer.json() == {
        "error": "Model not found",
        "details": {"chute_id": "00000000-0000-4000-8000-000000000000"},
    }


def test_scrape_needs_a_write_key(client: httpx.Client, chutes: FakeChutes) -> None:
    assert client.post("/api/scrape").status_code == 401
    refused = client.post("/api/scrape", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 403 and refused.json()["error"] == "Invalid API key"
    assert chutes.paths() == []


def test_scrape_runs_a_cycle_and_answers_its_summary(client: httpx.Client) -> None:
    answer = client.post("/api/scrape", headers=KEY)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["source"], body["models_updated"]) == ("ok", "json", 40)
    assert body["summary"].startswith("scraped 40 of 40 listed models from json")
    assert body["started_at"].startswith(TODAY.isoformat())


def test_models_sorted_by_latest_tps_with_their_figures(
    scraped: httpx.Client, chutes: FakeChutes
) -> None:
    body = scraped.get("/api/models").json()
    assert body["total"] == 40 == len(body["models"])
    assert body["scraped_at"].startswith(TODAY.isoformat())
    speeds = [m["latest_tps"] for m in body["models"]]
    assert speeds == sorted(speeds, reverse=True)
    fastest = max(chutes.dataset.models, key=lambda m: m.days[0]["average_tps"])
    top = body["models"][0]
    assert (top["chute_id"], top["name"]) == (fastest.chute_id, fastest.name)
    assert top["latest_is_partial"] is True and top["latest_date"] == TODAY.isoformat()
    assert len(top["trend_tps"]) == 30 and top["trend_tps"][-1] == top["latest_tps"]
    assert top["price_prompt"] == fastest.price_prompt and top["benchmark"] is None


def test_etag_answers_304_until_the_data_changes(scraped: httpx.Client, chutes: FakeChutes) -> None:
    first = scraped.get("/api/models")
    etag = first.headers["etag"]
    same = scraped.get("/api/models", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag and same.headers["cache-control"] == "public, max-age=300"
    weak = scraped.get("/api/models", headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other_view = scraped.get("/api/models?sort=name", headers={"If-None-Match": etag})
    assert other_view.status_code == 200 and other_view.headers["etag"] != etag

    chutes.set_dataset(make_dataset(40, 75, today=TODAY, partial=0.9))
    assert scraped.post("/api/scrape", headers=KEY).json()["daily_rows_written"] == 40
    changed = scraped.get("/api/models", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


@pytest.mark.parametrize(
    ("params", "field", "descending"),
    [
        ("sort=ttft", "latest_ttft", False),
        ("sort=requests", "latest_requests", True),
        ("sort=tps&order=asc", "latest_tps", False),
        ("sort=tps_7d_weighted", "tps_7d_weighted", True),
        ("sort=peak", "peak_tps", True),
    ],
)
def test_sort(scraped: httpx.Client, params: str, field: str, descending: bool) -> None:
    values = [m[field] for m in scraped.get(f"/api/models?{params}").json()["models"]]
    assert len(values) == 40
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    assert values[: len(present)] == present  # missing figures last


def test_sort_by_name_ignores_case(scraped: httpx.Client) -> None:
    names = [m["name"] for m in scraped.get("/api/models?sort=name").json()["models"]]
    assert names == sorted(names, key=str.lower)


def test_unknown_sort_is_a_422_naming_the_parameter(scraped: httpx.Client) -> None:
    answer = scraped.get("/api/models?sort=speed")
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"].startswith("Invalid field 'sort'")
    assert body["details"][0]["field"] == "sort" and body["details"][0]["in"] == "query"


def test_search_by_name_or_id(scraped: httpx.Client, chutes: FakeChutes) -> None:
    body = scraped.get("/api/models", params={"q": "QWEN"}).json()
    expected = {m.chute_id for m in chutes.dataset.models if "qwen" in m.name.lower()}
    assert {m["chute_id"] for m in body["models"]} == expected and body["total"] == len(expected)
    one = chutes.dataset.models[3]
    by_id = scraped.get("/api/models", params={"q": one.chute_id[:13]}).json()
    assert [m["chute_id"] for m in by_id["models"]] == [one.chute_id]
    assert scraped.get("/api/models", params={"q": "%"}).json()["total"] == 0


def test_one_model_with_its_history(scraped: httpx.Client, chutes: FakeChutes) -> None:
    model = chutes.dataset.models[2]
    answer = scraped.get(f"/api/models/{model.chute_id}")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "public, max-age=300"
    body = answer.json()
    assert body["name"] == model.name
    assert [d["date"] for d in body["history"]] == [r["date"] for r in model.days]
    assert body["history"][0]["is_partial"] is True
    assert not any(d["is_partial"] for d in body["history"][1:])
    assert body["history"][4]["total_output_tokens"] == model.days[4]["total_output_tokens"]


def test_benchmark_runs_of_the_same_model_show_their_score(
    scraped: httpx.Client, chutes: FakeChutes
) -> None:
    model = chutes.dataset.models[5]
    started = datetime(2025, 3, 1, 12, tzinfo=UTC).isoformat()
    for n, (status, score) in enumerate([("completed", 6.0), ("completed", 8.5), ("failed", None)]):
        result: dict[str, Any] = {
            "runId": f"lb-{n}",
            "suite": "update-deps",
            "scenario": "nx-pnpm-monorepo",
            "tier": "L1",
            "agent": "openrouter",
            "model": model.name,
            "status": status,
            "startedAt": started,
            "completedAt": started,
        }
        if score is not None:
            result["weightedScore"] = score
        assert scraped.post("/api/results", json=result, headers=KEY).status_code == 201
    listed = {m["chute_id"]: m for m in scraped.get("/api/models").json()["models"]}
    openrouter = {
        "agent": "openrouter",
        "runs": 3,
        "scored_runs": 2,
        "mean_weighted_score": pytest.approx(7.25),
    }
    assert listed[model.chute_id]["benchmark"] == {**openrouter, "agents": [openrouter]}
    assert listed[chutes.dataset.models[6].chute_id]["benchmark"] is None
    detail = scraped.get(f"/api/models/{model.chute_id}").json()
    assert detail["benchmark"]["mean_weighted_score"] == pytest.approx(7.25)


def test_delisted_models_are_hidden_unless_asked_for(
    scraped: httpx.Client, chutes: FakeChutes
) -> None:
    ds = make_dataset(40, 75, today=TODAY)
    gone = ds.models.pop(0)
    chutes.set_dataset(ds)
    assert scraped.post("/api/scrape", headers=KEY).json()["models_delisted"] == 1
    shown = scraped.get("/api/models").json()
    assert shown["total"] == 39 and gone.chute_id not in {m["chute_id"] for m in shown["models"]}
    everything = scraped.get("/api/models?include_delisted=true").json()
    assert everything["total"] == 40
    assert scraped.get(f"/api/models/{gone.chute_id}").json()["listed"] is False


def test_a_failed_cycle_is_a_502_and_changes_nothing(
    scraped: httpx.Client, chutes: FakeChutes
) -> None:
    before = scraped.get("/api/models").json()
    chutes.fail(STATS, status=500)
    answer = scraped.post("/api/scrape", headers=KEY)
    assert answer.status_code == 502
    body = answer.json()
    assert body["error"].startswith("scrape failed after")
    assert body["details"]["status"] == "failed" and STATS in body["details"]["error"]
    assert scraped.get("/api/models").json() == before


def test_a_held_lease_is_a_409(client: httpx.Client, api: RunningServer) -> None:
    api.db.write(
        lambda c: c.execute(
            scrape_leases.insert().values(
                name=SCRAPE_LEASE, holder="elsewhere:1:x", expires_at=now_ms() + 60_000, cycle_at=0
            )
        )
    )
    answer = client.post("/api/scrape", headers=KEY)
    assert answer.status_code == 409
    assert "another process (elsewhere:1:x)" in answer.json()["error"]


def test_openapi_documents_the_leaderboard(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    listing = spec["paths"]["/api/models"]["get"]
    schema = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ModelList")
    assert {p["name"] for p in listing["parameters"]} >= {"sort", "order", "q"}
    assert "502" in spec["paths"]["/api/scrape"]["post"]["responses"]


def test_the_server_scrapes_on_its_cron_schedule(tmp_path: object, fake_chutes: FakeChutes) -> None:
    fake_chutes.reset()
    url = f"sqlite:///{tmp_path}/scheduled.db"
    db = Database(url)
    upgrade(db)
    # Every second (croniter's optional sixth field), so the test need not wait a minute.
    settings = scrape_settings(
        url,
        fake_chutes.url,
        server={"port": free_port()},
        throughput={"scrape_cron": "* * * * * *"},
    )
    server = RunningServer(settings, db)
    try:
        deadline = time.monotonic() + 10
        total = 0
        while time.monotonic() < deadline and total == 0:
            total = httpx.get(f"{server.url}/api/models").json()["total"]
            time.sleep(0.05)  # poll gently; the deadline, not the pause, bounds the wait
        assert total == 40
    finally:
        server.stop()
        db.close()
    assert fake_chutes.paths().count(STATS) >= 1
