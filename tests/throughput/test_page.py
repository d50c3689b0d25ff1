"""The leaderboard pages in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fake_chutes import FakeChutes, make_dataset
from playwright.sync_api import Browser, Page, expect
from throughput_support import TODAY, DayClock, RunningServer, scrape_settings

from loopback import free_port
from zebench.store.database import Database
from zebench.store.migrate import upgrade
from zebench.throughput import Scraper

pytestmark = pytest.mark.browser  # the ``browser`` fixture skips where Chromium is absent

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
EVIL = '<img src=x onerror="window.__pwned=1">Evil/"Model" & co'
KEY = {"Authorization": "Bearer dev-local-key"}


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, fake_chutes: FakeChutes
) -> Iterator[RunningServer]:
    dataset = make_dataset(40, 75, today=TODAY)
    evil = dataset.models[1]
    evil.name = EVIL
    evil.days = [dict(d, name=EVIL) for d in evil.days]
    fake_chutes.set_dataset(dataset)
    fake_chutes.reset()
    url = f"sqlite:///{tmp_path_factory.mktemp('page')}/zebench.db"
    db = Database(url)
    upgrade(db)
    settings = scrape_settings(url, fake_chutes.url, server={"port": free_port()})
    server = RunningServer(settings, db)
    server.app.state.scraper = Scraper(db, settings.throughput, clock=DayClock(TODAY))
    with httpx.Client(base_url=server.url, headers=KEY) as http:
        assert http.post("/api/scrape").status_code == 200
        started = datetime(2025, 3, 2, 9, tzinfo=UTC).isoformat()
        for n, score in enumerate((7.0, 9.0)):
            run = {
                "runId": f"page-{n}",
                "suite": "update-deps",
                "scenario": "npm-workspaces",
                "tier": "L2",
                "agent": "openrouter",
                "model": dataset.models[0].name,
                "status": "completed",
                "startedAt": started,
                "completedAt": started,
                "weightedScore": score,
            }
            assert http.post("/api/results", json=run).status_code == 201
    yield server
    server.stop()
    db.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def cards(page: Page) -> list[str]:
    return page.locator(".tps-card:visible .tps-name").all_inner_texts()


def number(text: str) -> float:
    return float(re.sub(r"[^\d.]", "", text))


def test_cards_without_javascript_fastest_first(browser: Browser, site: RunningServer) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{site.url}/models")
    expect(page.locator(".tps-card")).to_have_count(40)
    expect(page.locator("#tps-updated")).to_have_text(re.compile(r"^Last updated 20\d\d-"))
    expect(page.locator("#tps-count")).to_have_text("40 models")
    speeds = [number(t) for t in page.locator(".tps-card .tps-value").all_inner_texts()]
    assert speeds == sorted(speeds, reverse=True)
    first = page.locator(".tps-card").first
    expect(first.locator(".tps-rank")).to_have_text("#1")
    expect(first.locator(".tps-partial")).to_be_visible()
    expect(first.locator(".tps-source")).to_have_text("Chutes")
    expect(first.locator("svg.tps-spark path.line")).to_have_count(1)
    # Search and sort are a plain form: the server answers them.
    page.fill("#tps-search", "LLAMA")
    page.select_option("#tps-sort", "ttft")
    page.click("#tps-refresh")
    expect(page).to_have_url(re.compile(r"q=LLAMA.*sort=ttft|sort=ttft.*q=LLAMA"))
    shown = cards(page)
    assert shown and all("llama" in name.lower() for name in shown)
    ttfts = [number(t) for t in page.locator('[data-f="ttft"]').all_inner_texts()]
    assert ttfts == sorted(ttfts)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leaderboard-models.png"), full_page=True)
    context.close()


def test_search_and_sort(page: Page, site: RunningServer) -> None:
    page.goto(f"{site.url}/models")
    expect(page.locator(".tps-card")).to_have_count(40)
    page.fill("#tps-search", "LLAMA")
    shown = cards(page)
    assert shown and all("llama" in name.lower() for name in shown)
    expect(page.locator("#tps-count")).to_have_text(f"{len(shown)} of 40 models")
    assert "q=LLAMA" in page.url

    page.fill("#tps-search", "")
    page.select_option("#tps-sort", "ttft")
    ttfts = [number(t) for t in page.locator('[data-f="ttft"]').all_inner_texts()]
    assert len(ttfts) == 40 and ttfts == sorted(ttfts)
    page.select_option("#tps-sort", "name")
    names = cards(page)
    assert names == sorted(names, key=str.lower)
    page.select_option("#tps-sort", "requests")
    requests = [number(t) for t in page.locator('[data-f="requests"]').all_inner_texts()]
    assert requests == sorted(requests, reverse=True)
    assert "sort=requests" in page.url

    page.fill("#tps-search", "no such model")
    expect(page.locator(".tps-grid .empty")).to_have_text("No model matches “no such model”.")


def test_names_are_text_never_markup(page: Page, site: RunningServer) -> None:
    page.goto(f"{site.url}/models?q=evil")
    expect(page.locator(".tps-card:visible")).to_have_count(1)
    expect(page.locator(".tps-card:visible .tps-name")).to_have_text(EVIL)
    assert page.locator(".tps-card img").count() == 0
    page.locator(".tps-card:visible .tps-name").click()
    expect(page.locator("h1")).to_have_text(EVIL)
    assert page.locator("main img").count() == 0
    assert page.evaluate("() => window.__pwned") is None


def test_benchmark_score_beside_the_speed(page: Page, site: RunningServer) -> None:
    # Dataset model 0 (deepseek-ai/DeepSeek-V3-0324) has two runs, scored 7 and 9.
    page.goto(f"{site.url}/models?q=DeepSeek-V3-0324")
    card = page.locator(".tps-card.has-bench:visible")
    expect(card).to_have_count(1)
    expect(card.locator('[data-f="bench"]')).to_have_text("8.00 / 10 (openrouter)")


def test_refreshes_itself_every_five_minutes(page: Page, site: RunningServer) -> None:
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/models?sort=" in r.url else None)
    page.clock.install()
    page.goto(f"{site.url}/models")
    expect(page.locator(".tps-card")).to_have_count(40)
    assert fetched == []
    page.clock.run_for("04:59")
    assert fetched == []
    with page.expect_response("**/models?sort=tps") as refreshed:
        page.clock.run_for("00:02")
    assert refreshed.value.status == 200
    expect(page.locator(".tps-card")).to_have_count(40)
    expect(page.locator(".tps-card .tps-rank").first).to_have_text("#1")
    assert len(fetched) == 1


def test_model_page_with_its_history(
    page: Page, site: RunningServer, fake_chutes: FakeChutes
) -> None:
    model = fake_chutes.dataset.models[0]
    page.goto(f"{site.url}/models?q={model.chute_id}")
    page.locator(".tps-card:visible .tps-name").first.click()
    expect(page).to_have_url(f"{site.url}/models/{model.chute_id}")
    expect(page.locator("h1")).to_have_text(model.name)
    expect(page.locator("svg.tps-chart")).to_have_count(2)
    expect(page.locator("svg.tps-chart").first.locator("circle.dot")).to_have_count(
        sum(1 for d in model.days if d["average_tps"] is not None)
    )
    expect(page.locator("svg.tps-chart circle.partial")).to_have_count(2)
    expect(page.locator("table.tps-days tbody tr")).to_have_count(len(model.days))
    expect(page.locator("table.tps-days tbody tr").first).to_contain_text(TODAY.isoformat())
    expect(page.locator(".tps-score")).to_have_text("8.00")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leaderboard-model.png"), full_page=True)


def test_unknown_model_page_is_a_404(page: Page, site: RunningServer) -> None:
    answer = page.goto(f"{site.url}/models/00000000-0000-4000-8000-000000000000")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("Model not found")
