"""Whole cycles against the fake source over loopback HTTP, into a real database."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fake_chutes import FakeChutes, catalogue_html, make_dataset, stats_json
from throughput_support import TODAY, DayClock, scrape_settings

from zebench.store.database import Database
from zebench.store.throughput_tables import meta, model_daily, models
from zebench.throughput import Scraper
from zebench.throughput.records import DailyStat
from zebench.throughput.store import META_HTML_OFFSET, META_SCRAPED_AT
from zebench.throughput.summaries import summarise

STATS = "/invocations/stats/llm"
CATALOGUE = "/v1/models"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Cycles here run on SQLite only (test_lease.py runs them on PostgreSQL)."""
    return sqlite_url


def scraper(db: Database, chutes: FakeChutes, clock: DayClock | None = None, **s: Any) -> Scraper:
    settings = scrape_settings(db.url, chutes.url, throughput=s)
    return Scraper(db, settings.throughput, clock=clock or DayClock(TODAY))


def stored(db: Database) -> dict[str, Any]:
    """Everything a cycle may change, for before/after comparisons."""
    with db.read() as conn:
        return {
            "models": [
                dict(r) for r in conn.execute(sa.select(models).order_by("chute_id")).mappings()
            ],
            "daily": conn.execute(sa.select(model_daily).order_by("chute_id", "date")).all(),
            "meta": {
                k: v
                for k, v in conn.execute(sa.select(meta.c.key, meta.c.value)).all()
                if k in (META_HTML_OFFSET, META_SCRAPED_AT)
            },
        }


def model_row(db: Database, chute_id: str) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(sa.select(models).where(models.c.chute_id == chute_id)).mappings().one()
        return dict(row)


# --- JSON source ----------------------------------------------------------------------


async def test_full_cycle_stores_every_model_and_day(db: Database, chutes: FakeChutes) -> None:
    summary = await scraper(db, chutes).run_cycle()
    ds = chutes.dataset
    total_days = sum(len(m.days) for m in ds.models)
    assert summary.status == "ok", summary.error
    assert (summary.source, summary.catalogue_models, summary.models_updated) == ("json", 40, 40)
    assert summary.daily_rows_written == total_days and summary.models_skipped == 0
    assert summary.line().startswith("scraped 40 of 40 listed models from json")

    model = ds.models[11]
    row = model_row(db, model.chute_id)
    expected = summarise([DailyStat.from_mapping(d) for d in model.days], TODAY)
    assert row["name"] == model.name and row["listed"] and row["source"] == "json"
    assert row["latest_date"] == TODAY.isoformat() and row["latest_is_partial"]
    assert row["latest_tps"] == model.days[0]["average_tps"]
    assert row["full_day_date"] == (TODAY - timedelta(days=1)).isoformat()
    assert row["full_day_tps"] == model.days[1]["average_tps"]
    for name in ("avg_7d", "avg_30d", "peak_tps", "tps_7d_weighted", "tps_30d_weighted"):
        assert row[name] == pytest.approx(getattr(expected, name)), name
    assert json.loads(row["trend_tps"]) == list(expected.trend_tps)
    assert (row["price_prompt"], row["price_completion"]) == (
        model.price_prompt,
        model.price_completion,
    )
    with db.read() as conn:
        days = conn.execute(
            sa.select(model_daily.c.date, model_daily.c.is_partial, model_daily.c.total_requests)
            .where(model_daily.c.chute_id == model.chute_id)
            .order_by(model_daily.c.date.desc())
        ).all()
    assert [d.date for d in days] == [r["date"] for r in model.days]
    assert [bool(d.is_partial) for d in days] == [True] + [False] * (len(days) - 1)
    assert days[5].total_requests == model.days[5]["total_requests"]


async def test_steady_state_writes_only_what_changed(db: Database, chutes: FakeChutes) -> None:
    clock = DayClock(TODAY, hour=9)
    run = scraper(db, chutes, clock)
    assert (await run.run_cycle()).status == "ok"
    again = await run.run_cycle()
    assert again.status == "ok" and again.daily_rows_written == 0
    # Later the same day: today's rows have grown, nothing else changed.
    chutes.set_dataset(make_dataset(40, 75, today=TODAY, partial=0.8))
    later = await run.run_cycle()
    assert later.daily_rows_written == 40
    model = chutes.dataset.models[0]
    assert model_row(db, model.chute_id)["latest_requests"] == model.days[0]["total_requests"]


async def test_the_next_day_completes_yesterday(db: Database, chutes: FakeChutes) -> None:
    clock = DayClock(TODAY)
    run = scraper(db, chutes, clock)
    await run.run_cycle()
    tomorrow = TODAY + timedelta(days=1)
    # The source now sends only its last 10 days (model 1 has a full history).
    chutes.set_dataset(make_dataset(40, 10, today=tomorrow))
    clock.move_to(tomorrow, hour=0)
    summary = await run.run_cycle()
    assert summary.status == "ok"
    model = chutes.dataset.models[1]
    with db.read() as conn:
        flags = dict(
            conn.execute(
                sa.select(model_daily.c.date, model_daily.c.is_partial).where(
                    model_daily.c.chute_id == model.chute_id,
                    model_daily.c.date >= TODAY.isoformat(),
                )
            ).all()
        )
    assert {k: bool(v) for k, v in flags.items()} == {
        TODAY.isoformat(): False,
        tomorrow.isoformat(): True,
    }
    # History is kept for the days the source no longer sends.
    with db.read() as conn:
        kept = conn.execute(
            sa.select(sa.func.count())
            .select_from(model_daily)
            .where(model_daily.c.chute_id == model.chute_id)
        ).scalar()
    assert kept == 76
    assert model_row(db, model.chute_id)["days_tracked"] == 10


async def test_a_model_leaving_the_catalogue_is_delisted_not_deleted(
    db: Database, chutes: FakeChutes
) -> None:
    run = scraper(db, chutes)
    await run.run_cycle()
    ds = make_dataset(40, 75, today=TODAY)
    gone = ds.models.pop(4)
    chutes.set_dataset(ds)
    summary = await run.run_cycle()
    assert (summary.models_delisted, summary.catalogue_models) == (1, 39)
    row = model_row(db, gone.chute_id)
    assert row["listed"] is False or row["listed"] == 0
    assert row["latest_tps"] == gone.days[0]["average_tps"]  # figures kept


async def test_a_model_that_fails_to_parse_is_skipped_and_keeps_its_figures(
    db: Database, chutes: FakeChutes
) -> None:
    run = scraper(db, chutes)
    await run.run_cycle()
    victim = chutes.dataset.models[6]
    before = model_row(db, victim.chute_id)
    rows = json.loads(stats_json(make_dataset(40, 75, today=TODAY, partial=0.9)))
    for row in rows:
        if row["chute_id"] == victim.chute_id and row["date"] == "2025-02-14":
            row["total_requests"] = "lots"
    chutes.fail(STATS, body=json.dumps(rows).encode())
    summary = await run.run_cycle()
    assert summary.status == "ok"
    assert summary.models_updated == 39 and summary.models_skipped == 1
    assert "total_requests" in summary.skipped[victim.chute_id]
    assert model_row(db, victim.chute_id) == before
    other = chutes.dataset.models[7]
    assert model_row(db, other.chute_id)["scraped_at"] > before["scraped_at"]


async def test_catalogue_models_without_statistics_are_listed_without_figures(
    db: Database, chutes: FakeChutes
) -> None:
    ds = chutes.dataset
    newcomer = ds.models[-1]
    rows = [r for r in json.loads(stats_json(ds)) if r["chute_id"] != newcomer.chute_id]
    chutes.fail(STATS, body=json.dumps(rows).encode())
    summary = await scraper(db, chutes).run_cycle()
    assert summary.models_updated == 39 and summary.models_added == 40
    row = model_row(db, newcomer.chute_id)
    assert row["listed"] and row["latest_tps"] is None and row["days_tracked"] == 0


# --- failures: nothing already stored changes ------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"path": STATS, "status": 500}, id="stats-500"),
        pytest.param({"path": STATS, "body": b"<html>oops</html>"}, id="stats-not-json"),
        pytest.param({"path": STATS, "body": b'{"detail":"busy"}'}, id="stats-wrong-shape"),
        pytest.param({"path": CATALOGUE, "delay_s": 1.0}, id="catalogue-timeout"),
        pytest.param({"path": CATALOGUE, "status": 404}, id="catalogue-404"),
    ],
)
async def test_json_source_failures_change_nothing(
    db: Database, chutes: FakeChutes, fault: dict[str, Any]
) -> None:
    run = scraper(db, chutes, scrape_timeout_s=0.3)
    assert (await run.run_cycle()).status == "ok"
    before = stored(db)
    chutes.set_dataset(make_dataset(40, 75, today=TODAY, partial=0.9, seed=99))
    chutes.fail(**fault)
    summary = await run.run_cycle()
    assert summary.status == "failed"
    assert fault["path"] in (summary.error or "")
    assert stored(db) == before
    assert summary.line().startswith("scrape failed after")


async def test_transient_errors_are_retried_with_a_user_agent(
    db: Database, chutes: FakeChutes
) -> None:
    chutes.fail(STATS, status=503, times=2)
    summary = await scraper(db, chutes, scrape_retries=2).run_cycle()
    assert summary.status == "ok", summary.error
    assert chutes.paths().count(STATS) == 3
    agents = {headers.get("User-Agent", "") for _, headers in chutes.requests}
    assert all(agent.startswith("zebench/") for agent in agents)


async def test_a_client_error_is_not_retried(db: Database, chutes: FakeChutes) -> None:
    chutes.fail(CATALOGUE, status=403)
    summary = await scraper(db, chutes, scrape_retries=3).run_cycle()
    assert summary.status == "failed" and "HTTP 403" in (summary.error or "")
    assert chutes.paths().count(CATALOGUE) == 1


# --- HTML pages: batches and the offset -------------------------------------------------


async def test_html_batches_walk_the_catalogue_with_the_offset(
    db: Database, chutes: FakeChutes
) -> None:
    run = scraper(db, chutes, chutes_source="html", scrape_html_batch_size=15)
    offsets = []
    for _ in range(3):
        summary = await run.run_cycle()
        assert summary.status == "ok", summary.error
        assert summary.source == "html" and summary.catalogue_models == 40
        offsets.append((summary.models_updated, summary.next_offset))
    assert offsets == [(15, 15), (15, 30), (10, 0)]  # 40 models: 15 + 15 + 10, then wrap
    with db.read() as conn:
        scraped = conn.execute(
            sa.select(sa.func.count()).select_from(models).where(models.c.days_tracked > 0)
        ).scalar()
        days = conn.execute(sa.select(sa.func.count()).select_from(model_daily)).scalar()
    assert scraped == 40
    assert days == sum(len(m.days) for m in chutes.dataset.models)
    # Same figures as the JSON source gives.
    model = chutes.dataset.models[20]
    expected = summarise([DailyStat.from_mapping(d) for d in model.days], TODAY)
    assert model_row(db, model.chute_id)["tps_7d_weighted"] == pytest.approx(
        expected.tps_7d_weighted
    )
    stats_pages = [p for p in chutes.paths() if p.startswith("/app/chute/")]
    assert len(stats_pages) == 40 and len(set(stats_pages)) == 40


async def test_html_requests_respect_the_concurrency_limit(
    db: Database, chutes: FakeChutes
) -> None:
    ids = sorted(m.chute_id for m in chutes.dataset.models)[:12]
    for chute_id in ids:  # slow pages, so that requests overlap
        chutes.fail(f"/app/chute/{chute_id}", delay_s=0.1)
    run = scraper(db, chutes, chutes_source="html", scrape_html_batch_size=12, scrape_concurrency=3)
    assert (await run.run_cycle()).status == "ok"
    assert 2 <= chutes.max_in_flight <= 3


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param("stats-page-500", id="stats-page-500"),
        pytest.param("catalogue-timeout", id="catalogue-timeout"),
        pytest.param("catalogue-garbage", id="catalogue-garbage"),
    ],
)
async def test_html_failures_change_nothing_and_keep_the_offset(
    db: Database, chutes: FakeChutes, fault: str
) -> None:
    run = scraper(db, chutes, chutes_source="html", scrape_timeout_s=0.3)
    assert (await run.run_cycle()).next_offset == 10
    before = stored(db)
    assert before["meta"][META_HTML_OFFSET] == "10"
    next_batch = sorted(m.chute_id for m in chutes.dataset.models)[10:20]
    if fault == "stats-page-500":  # the 4th page of the batch, mid-cycle
        chutes.fail(f"/app/chute/{next_batch[3]}", status=500)
    elif fault == "catalogue-timeout":
        chutes.fail("/app", delay_s=1.0)
    else:
        chutes.fail("/app", body=b"<html><body><h1>We'll be right back</h1></body></html>")
    summary = await run.run_cycle()
    assert summary.status == "failed"
    assert stored(db) == before


async def test_html_garbage_stats_page_skips_that_model_only(
    db: Database, chutes: FakeChutes
) -> None:
    batch = sorted(m.chute_id for m in chutes.dataset.models)[:10]
    chutes.fail(f"/app/chute/{batch[2]}", body=b"<html><body>Just a moment...</body></html>")
    summary = await scraper(db, chutes, chutes_source="html").run_cycle()
    assert summary.status == "ok"
    assert (summary.models_updated, summary.models_skipped, summary.next_offset) == (9, 1, 10)
    assert "no daily statistics" in summary.skipped[batch[2]]
    assert model_row(db, batch[2])["latest_tps"] is None


async def test_auto_falls_back_to_the_pages_when_the_json_api_fails(
    db: Database, chutes: FakeChutes
) -> None:
    chutes.fail(STATS, status=500)
    summary = await scraper(db, chutes, chutes_source="auto").run_cycle()
    assert summary.status == "ok" and summary.source == "html"
    assert STATS in (summary.fallback_reason or "")
    assert summary.models_updated == 10


async def test_auto_fails_cleanly_when_both_sources_fail(db: Database, chutes: FakeChutes) -> None:
    chutes.fail(STATS, status=500)
    chutes.fail("/app", status=502)
    summary = await scraper(db, chutes, chutes_source="auto").run_cycle()
    assert summary.status == "failed"
    assert "/app" in (summary.error or "") and STATS in (summary.error or "")


def test_catalogue_html_fixture_has_non_llm_chutes(chutes: FakeChutes) -> None:
    # Guard for the tests above: the vLLM filter has something to filter.
    page = catalogue_html(chutes.dataset).decode()
    assert 'standard_template:"diffusion"' in page and 'standard_template:"vllm"' in page
