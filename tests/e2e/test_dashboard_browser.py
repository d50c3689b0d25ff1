"""The dashboard in a real browser (Debian's Chromium through Playwright) over a live server
seeded with generated results, XSS payloads included."""

from __future__ import annotations

import csv
import io
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from dashboard_support import (
    generated,
    money,
    pct,
    scored,
    seeded,
    serve,
    successful,
    total_cost,
)
from demo_data import Generated
from loopback import AppServer
from zebench.model.results import EvaluationIn, ResultIn, TelemetryIn
from zebench.service.results import submit_result
from zebench.store.database import Database
from zebench.web.rendering import path_part

pytestmark = pytest.mark.browser  # the ``browser`` fixture skips where Chromium is absent

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


@pytest.fixture(scope="module")
def data() -> Generated:
    return generated()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, data: Generated) -> Iterator[AppServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser')}/zebench.db"
    with seeded(url, data) as db, serve(db) as served:
        yield served


class Watched:
    """A tab that records console errors, page errors and dialogs (none may happen)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _dialog(self, dialog: object) -> None:
        self.problems.append(f"dialog opened: {dialog}")
        dialog.dismiss()  # type: ignore[attr-defined]


@pytest.fixture
def tab(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watched = Watched(context.new_page())
    yield watched
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def charts_drawn(page: Page) -> None:
    for chart in page.locator(".chart").all():
        expect(chart.locator(".main-svg").first).to_be_attached(timeout=10_000)


def pages_to_visit(data: Generated) -> list[tuple[str, str]]:
    run = next(r for r in data.results if r.status == "completed" and r.transcript)
    failed = next(r for r in data.results if r.status == "failed" and r.agent != "echo")
    ids = ",".join(b.batch_id for b in data.batches[:3])
    return [
        ("overview", "/"),
        ("runs", "/runs"),
        ("run-detail", f"/runs/{path_part(run.run_id)}"),
        ("run-failed", f"/runs/{path_part(failed.run_id)}"),
        ("batches", "/batches"),
        ("batch-detail", f"/batches/{path_part(data.batches[0].batch_id)}"),
        ("batch-compare", f"/batches/compare?ids={ids}"),
        ("leaderboard", "/leaderboard"),
        ("trends", "/trends"),
        ("costs", "/costs"),
        ("suites", "/suites"),
        ("evaluators", "/evaluators"),
    ]


def test_every_page_loads_cleanly(tab: Watched, site: AppServer, data: Generated) -> None:
    for name, path in pages_to_visit(data):
        response = tab.page.goto(site.url + path)
        assert response is not None and response.status == 200, path
        charts_drawn(tab.page)
        expect(tab.page.locator("h1")).to_be_visible()
        shot(tab.page, name)
    assert tab.problems == []


def test_small_screen_and_dark_theme(browser: Browser, site: AppServer) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    watched = Watched(context.new_page())
    page = watched.page
    for name, path in (("overview-390-dark", "/"), ("runs-390-dark", "/runs")):
        page.goto(site.url + path)
        charts_drawn(page)
        # Nothing but the tables' own scroll areas may be wider than the screen.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, (path, overflow)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 18, 22)"
        shot(page, name)
    assert watched.problems == []
    context.close()


def test_overview_shows_the_seeded_figures(tab: Watched, site: AppServer, data: Generated) -> None:
    results = data.results
    tab.page.goto(site.url + "/")
    stats = dict(
        zip(
            tab.page.locator(".stats dt").all_inner_texts(),
            tab.page.locator(".stats dd").all_inner_texts(),
            strict=True,
        )
    )
    assert stats["Runs"] == f"{len(results):,}"
    assert stats["Success rate"] == pct(successful(results) / len(results))
    assert stats["Mean weighted score"] == f"{statistics.mean(scored(results)):.2f}"
    assert stats["Total cost"] == money(total_cost(results))
    bars = tab.page.locator("#score-histogram rect.bar title").all_text_contents()
    counts = [int(t.split(": ")[1].split()[0]) for t in bars]
    assert sum(counts) == len(scored(results))
    assert tab.problems == []


def test_filters_and_sorting_change_the_rows(
    tab: Watched, site: AppServer, data: Generated
) -> None:
    page = tab.page
    page.goto(site.url + "/runs")
    page.select_option("select[name=agent]", "echo")
    page.select_option("select[name=status]", "completed")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/runs?*agent=echo*")
    echo = [r for r in data.results if r.agent == "echo" and r.status == "completed"]
    expect(page.locator("#runs .count")).to_contain_text(f"of {len(echo):,}")
    agents = page.locator("#runs tbody td[data-label=Agent]").all_inner_texts()
    assert agents and set(agents) == {"echo"}

    # Sort by score from the keyboard: focus the header link and press Enter.
    page.locator("#runs th a", has_text="Score").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=weightedScore*")
    expect(page.locator("#runs th[aria-sort=descending]")).to_contain_text("Score")
    shown = [float(t) for t in page.locator("#runs tbody td[data-label=Score]").all_inner_texts()]
    assert shown == sorted(shown, reverse=True)
    assert shown[0] == pytest.approx(max(r.weighted_score or 0 for r in echo), abs=0.005)
    assert tab.problems == []


def test_batches_are_compared_from_the_list(tab: Watched, site: AppServer, data: Generated) -> None:
    page = tab.page
    page.goto(site.url + "/batches?sort=createdAt&dir=asc")
    first, second = data.batches[0].batch_id, data.batches[1].batch_id
    page.get_by_label(f"Compare batch {first}").check()
    page.get_by_label(f"Compare batch {second}").check()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/batches/compare?ids=*")
    expect(page.locator("#summary .badge", has_text="baseline")).to_have_count(1)
    expect(page.locator("#summary tbody tr").first).to_contain_text(first)
    expect(page.locator("#tests tbody tr")).to_have_count(1)
    charts_drawn(page)
    assert tab.problems == []


def test_export_download_holds_the_rows(tab: Watched, site: AppServer, data: Generated) -> None:
    page = tab.page
    page.goto(site.url + "/runs?agent=anthropic")
    with page.expect_download() as download_info:
        page.locator("#runs .export a", has_text="CSV").click()
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text())))
    assert {r["runId"] for r in rows} == {r.run_id for r in data.results if r.agent == "anthropic"}
    assert download_info.value.suggested_filename == "runs.csv"
    assert tab.problems == []


def test_xss_payloads_stay_inert(tab: Watched, site: AppServer, data: Generated) -> None:
    page = tab.page
    xss_runs = [r for r in data.results if r.agent.startswith("xss")]
    xss_batch = next(b for b in data.batches if b.batch_id.startswith("xss"))
    paths = [f"/runs/{path_part(r.run_id)}" for r in xss_runs] + [
        f"/batches/{path_part(xss_batch.batch_id)}",
        "/",
        "/runs",
        "/leaderboard",
        "/trends",
        "/costs",
        "/suites",
        "/evaluators",
    ]
    for path in paths:
        page.goto(site.url + path)
        charts_drawn(page)
        # Open every collapsible part so their contents are rendered too.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        injected = page.evaluate(
            """() => ({
                flag: window.__xss,
                images: document.querySelectorAll('img').length,
                frames: document.querySelectorAll('iframe').length,
                handlers: document.querySelectorAll('[onload],[onerror],[onclick]').length,
                scripts: [...document.scripts]
                    .filter(s => !s.src && s.type !== 'application/json').length,
            })"""
        )
        assert injected == {"flag": None, "images": 0, "frames": 0, "handlers": 0, "scripts": 0}, (
            path
        )
    shot(page, "xss-evaluators")
    page.goto(site.url + f"/runs/{path_part(xss_runs[1].run_id)}")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    shot(page, "xss-run-detail")
    assert tab.problems == []


def _live_result(batch_id: str, suffix: str) -> ResultIn:
    now = datetime.now(tz=UTC)
    return ResultIn(
        run_id=f"live-{suffix}-{time.time_ns()}",
        batch_id=batch_id,
        suite="update-deps",
        scenario="nx-pnpm-monorepo",
        tier="L2",
        agent="anthropic",
        model="claude-sonnet-4-5",
        status="completed",
        started_at=now,
        completed_at=now,
        weighted_score=9.5,
        total_score=0.95,
        is_successful=True,
        evaluations=[EvaluationIn(evaluator_name="heuristic_checks", score=0.95, max_score=1)],
        telemetry=TelemetryIn(cost_usd=0.5, duration_ms=60_000, tokens_in=1000, tokens_out=100),
    )


@pytest.mark.parametrize(
    "where", ["overview", "runs", "batch"], ids=["overview", "runs", "batch-detail"]
)
def test_a_new_result_appears_without_reload(
    tab: Watched, site: AppServer, data: Generated, where: str
) -> None:
    batch_id = data.batches[1].batch_id
    path = {"overview": "/", "runs": "/runs", "batch": f"/batches/{path_part(batch_id)}"}[where]
    page = tab.page
    page.goto(site.url + path)
    expect(page.locator("#live-status")).to_contain_text("Live")
    page.evaluate("window.__notReloaded = true")
    result = _live_result(batch_id, where)
    # Another writer (as another server process or the harness would be) stores it.
    writer = Database(site.db.url)
    try:
        submit_result(writer, result)
        link = page.locator(f'a[href="/runs/{path_part(result.run_id)}"]')
        # How fast it appears is measured by benchmarks/dashboard.py, not asserted here.
        expect(link.first).to_be_visible(timeout=5_000)
    finally:
        writer.close()
    assert page.evaluate("window.__notReloaded") is True
    shot(page, f"live-{where}")
    assert tab.problems == []
