"""What the API and the pages read, on both engines (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import typing

import pytest
from fake_chutes import FakeChutes, stats_json
from throughput_support import TODAY, DayClock, scrape_settings

from zebench.model.errors import NotFound
from zebench.model.time import now_ms
from zebench.store.database import Database
from zebench.store.tables import runs
from zebench.throughput import Scraper, get_model, list_models
from zebench.throughput.schemas import SortKey


@pytest.fixture
async def scraped_db(db: Database, chutes: FakeChutes) -> Database:
    """40 listed models; the last has no statistics yet, so no figures."""
    newcomer = chutes.dataset.models[-1].chute_id
    rows = [r for r in json.loads(stats_json(chutes.dataset)) if r["chute_id"] != newcomer]
    chutes.fail("/invocations/stats/llm", body=json.dumps(rows).encode())
    summary = await Scraper(
        db, scrape_settings(db.url, chutes.url).throughput, clock=DayClock(TODAY)
    ).run_cycle()
    assert summary.status == "ok", summary.error
    return db


EXPECTED_ORDER = {
    "tps": ("latest_tps", True),
    "ttft": ("latest_ttft", False),
    "name": ("name", False),
    "requests": ("latest_requests", True),
    "avg_7d": ("avg_7d", True),
    "avg_30d": ("avg_30d", True),
    "peak": ("peak_tps", True),
    "tps_7d_weighted": ("tps_7d_weighted", True),
    "tps_30d_weighted": ("tps_30d_weighted", True),
    "ttft_7d_weighted": ("ttft_7d_weighted", False),
    "requests_7d": ("requests_7d", True),
    "requests_30d": ("requests_30d", True),
    "full_day_tps": ("full_day_tps", True),
}


def test_every_sort_key_is_covered() -> None:
    assert set(EXPECTED_ORDER) == set(typing.get_args(SortKey))


def test_every_sort_key_orders_with_missing_figures_last(scraped_db: Database) -> None:
    # One database for all keys: creating one per key is what would cost time.
    for sort, (field, descending) in EXPECTED_ORDER.items():
        listed = list_models(scraped_db, sort=typing.cast(SortKey, sort))
        assert listed.total == 40, sort
        values = [getattr(m, field) for m in listed.models]
        if field == "name":
            values = [v.lower() for v in values]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=descending), sort
        assert values[: len(present)] == present, sort
        assert len(present) == (40 if field == "name" else 39), sort


def test_order_and_search(scraped_db: Database, chutes: FakeChutes) -> None:
    fastest = list_models(scraped_db).models
    slowest = list_models(scraped_db, order="asc").models
    assert fastest[-1].latest_tps is None and slowest[-1].latest_tps is None  # either way
    assert [m.chute_id for m in fastest[:-1]] == [m.chute_id for m in reversed(slowest[:-1])]
    found = list_models(scraped_db, q="  Llama-3.3 ")
    assert {m.name for m in found.models} == {
        m.name for m in chutes.dataset.models if "llama-3.3" in m.name.lower()
    }
    assert list_models(scraped_db, q="_").total == 0  # '_' is not a wildcard


def test_one_model_and_its_benchmark_score(scraped_db: Database, chutes: FakeChutes) -> None:
    model = chutes.dataset.models[9]
    stamp = now_ms()
    scraped_db.write(
        lambda c: c.execute(
            runs.insert(),
            [
                {
                    "run_id": f"q-{n}",
                    "suite": "s",
                    "scenario": "x",
                    "tier": "L0",
                    "agent": "openrouter",
                    "model": model.name,
                    "status": "completed",
                    "started_at": stamp,
                    "weighted_score": score,
                    "content_hash": f"h{n}",
                    "received_at": stamp,
                }
                for n, score in enumerate((4.0, 5.0, 9.0))
            ]
            + [
                {
                    "run_id": "q-echo",
                    "suite": "s",
                    "scenario": "x",
                    "tier": "L0",
                    "agent": "echo",
                    "model": model.name,
                    "status": "completed",
                    "started_at": stamp,
                    "weighted_score": 0.0,
                    "content_hash": "h-echo",
                    "received_at": stamp,
                }
            ],
        )
    )
    detail = get_model(scraped_db, model.chute_id)
    assert [d.date for d in detail.history] == [r["date"] for r in model.days]
    assert detail.history[0].is_partial and not detail.history[1].is_partial
    assert detail.benchmark is not None
    # Per agent: echo's zero on the same model is not blended into openrouter's score.
    assert detail.benchmark.agent == "openrouter"
    assert (detail.benchmark.runs, detail.benchmark.mean_weighted_score) == (3, pytest.approx(6.0))
    assert [(a.agent, a.mean_weighted_score) for a in detail.benchmark.agents] == [
        ("openrouter", pytest.approx(6.0)),
        ("echo", 0.0),
    ]
    with pytest.raises(NotFound):
        get_model(scraped_db, "missing")
