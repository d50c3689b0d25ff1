"""Every page at a phone's width (390 px) and a desktop's (1400 px), on an empty store, a
store holding one run and a store of demo data: the page never scrolls sideways (wide
tables scroll inside their own box), nothing reads "NaN", "undefined", "Invalid Date" or
a sub-second axis label, and the browser reports no error. Screenshots of every page go
to test-artifacts/layout/ to be looked at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard_support import NOW_MS, SEED, seeded, serve
from demo_data import Generated, generate
from loopback import AppServer
from zebench.model.results import BatchIn, EvaluationIn, ResultIn, TelemetryIn
from zebench.web.rendering import path_part

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "layout"
WIDTHS = (390, 1400)
BAD_TEXT = ("NaN", "undefined", "Invalid Date", "23:59:59.9995", "00:00:00.0005", "`")
PAGES = ["/", "/runs", "/batches", "/leaderboard", "/trends", "/costs", "/suites"]
PAGES += ["/evaluators", "/models"]


def one_run() -> Generated:
    """What one `zebench run example fix-slugify L0 echo` leaves: no model, no cost,
    no tokens, an agent that took no time inside a run that took seconds."""
    started = datetime.fromtimestamp(NOW_MS / 1000, tz=UTC) - timedelta(hours=3)
    when = started + timedelta(seconds=3.2)
    result = ResultIn(
        run_id="run-0f7c6a2d",
        batch_id="batch-20260921-one",
        suite="example",
        scenario="fix-slugify",
        tier="L0",
        agent="echo",
        model=None,
        status="completed",
        started_at=started,
        completed_at=when,
        total_score=0.5714,
        weighted_score=5.714,
        success_metric=0.5,
        is_successful=False,
        evaluations=[
            EvaluationIn(evaluator_name="heuristic_checks", score=0.5, max_score=1.0),
            EvaluationIn(evaluator_name="tests_nonregression", score=1.0, max_score=1.0),
        ],
        telemetry=TelemetryIn(duration_ms=0, tool_calls=0),
    )
    created = int(started.timestamp() * 1000)
    batch = BatchIn(batch_id=result.batch_id or "", created_at=created, completed_at=created)
    return Generated(batches=[batch], results=[result])


STORES = {
    "empty": None,
    "one-run": one_run(),
    "demo": generate(runs=300, batches=6, days=30, seed=SEED, now=NOW_MS),
}


def pages_of(data: Generated | None) -> list[tuple[str, str]]:
    pages = [(path.strip("/") or "overview", path) for path in PAGES]
    if data is None:
        return [*pages, ("run-unknown", "/runs/no-such-run")]
    completed = next(r for r in data.results if r.status == "completed")
    pages += [
        ("run", f"/runs/{path_part(completed.run_id)}"),
        ("batch", f"/batches/{path_part(data.batches[0].batch_id)}"),
    ]
    failed = next((r for r in data.results if r.status == "failed"), None)
    if failed is not None:
        pages.append(("run-failed", f"/runs/{path_part(failed.run_id)}"))
    if len(data.batches) > 1:
        ids = ",".join(b.batch_id for b in data.batches[:3])
        pages.append(("compare", f"/batches/compare?ids={ids}"))
    return pages


@pytest.fixture(scope="module", params=list(STORES))
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Generated | None, AppServer]]:
    name: str = request.param
    data = STORES[name]
    url = f"sqlite:///{tmp_path_factory.mktemp(name)}/zebench.db"
    with seeded(url, data) as db, serve(db) as served:
        yield name, data, served


def _visible_text(page: Page) -> str:
    """What a reader sees: the page's text and the charts' labels (SVG text)."""
    text: str = page.evaluate(
        """() => document.body.innerText + "\\n" +
            [...document.querySelectorAll('svg text')].map(t => t.textContent).join("\\n")"""
    )
    return text


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_and_reads_cleanly(
    browser: Browser, store: tuple[str, Generated | None, AppServer], width: int
) -> None:
    name, data, site = store
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        for label, path in pages_of(data):
            response = page.goto(site.url + path)
            assert response is not None and response.status in (200, 404), path
            for chart in page.locator(".chart").all():
                expect(chart.locator(".main-svg").first).to_be_attached(timeout=10_000)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{label}-{width}.png"), full_page=True)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                problems.append(f"{path} is {scroll_width} px wide")
            text = _visible_text(page)
            problems += [f"{path} shows {bad!r}" for bad in BAD_TEXT if bad in text]
            if response.status == 404:  # the browser reports the answer's status as an error
                problems[:] = [p for p in problems if "404" not in p]
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_every_page_reads_without_javascript(
    browser: Browser, store: tuple[str, Generated | None, AppServer]
) -> None:
    """Charts need a script; everything else (figures, tables, empty states) is HTML."""
    name, data, site = store
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        for _label, path in pages_of(data):
            page.goto(site.url + path)
            expect(page.locator("h1")).to_be_visible()
            text = page.locator("main").inner_text()
            assert "Loading" not in text, path
            if data is not None and path in ("/", "/runs", "/leaderboard", "/costs"):
                assert page.locator("main table tbody tr").count() > 0, (name, path)
        if data is None:
            page.goto(site.url + "/costs")
            expect(page.locator("main .empty").first).to_contain_text("No runs stored yet")
        elif name == "one-run":
            page.goto(site.url + "/costs")
            expect(page.locator("#no-cost-data")).to_contain_text("No cost data")
    finally:
        context.close()
