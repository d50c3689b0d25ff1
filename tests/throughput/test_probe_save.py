"""``zebench probe --save`` as a user runs it (a real process), then what the API and
the pages show: probed endpoints beside scraped models, their history and sweep."""

from __future__ import annotations

import os
import subprocess

import httpx
from fake_chutes import FakeChutes
from playwright.sync_api import Browser, expect
from streaming_support import API_KEY, fake_model
from throughput_support import TODAY, DayClock, RunningServer, scrape_settings

from harness_support import ZEBENCH
from loopback import free_port
from zebench.store.database import Database
from zebench.store.migrate import upgrade
from zebench.throughput import Scraper
from zebench.throughput.probe.saved import endpoint_id

MODEL = fake_model(ttft_ms=30, itl_ms=10, tokens=12)
KEY = {"Authorization": "Bearer dev-local-key"}


def zebench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEBENCH_", "OPENAI_"))}
    env["OPENAI_API_KEY"] = API_KEY  # the key as users usually give it
    return subprocess.run(
        [ZEBENCH, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def probe_args(url: str, database_url: str, *extra: str) -> list[str]:
    return [
        "probe", f"--base-url={url}", f"--model={MODEL}", "--requests=4", "--max-tokens=12",
        "--save", f"--database-url={database_url}", *extra,
    ]  # fmt: skip


def test_saved_probes_beside_scraped_models_in_the_api_and_pages(
    streaming_url: str, sqlite_url: str, chutes: FakeChutes, browser: Browser
) -> None:
    for extra in (["--concurrency=2"], ["--format=json"], ["--sweep=1,2,4"]):
        done = zebench(*probe_args(streaming_url, sqlite_url, *extra))
        assert done.returncode == 0, done.stderr
    # With --format json the stdout is one JSON document; the note went to stderr.
    chute_id = endpoint_id(streaming_url, MODEL)
    assert f"saved as {chute_id}" in done.stdout

    db = Database(sqlite_url)
    settings = scrape_settings(sqlite_url, chutes.url, server={"port": free_port()})
    server = RunningServer(settings, db)
    try:
        server.app.state.scraper = Scraper(db, settings.throughput, clock=DayClock(TODAY))
        with httpx.Client(base_url=server.url, headers=KEY) as http:
            scrape = http.post("/api/scrape")
            assert scrape.json()["status"] == "ok"  # after the probes; it delists none of them
            listed = http.get("/api/models").json()
            assert listed["total"] == 41
            probed = [m for m in listed["models"] if m["source"] == "probe"]
            assert [m["chute_id"] for m in probed] == [chute_id]
            one = probed[0]
            assert one["endpoint"] == streaming_url and one["name"] == MODEL
            assert one["listed"] is True and len(one["trend_tps"]) == 3
            # Accuracy is test_probe.py's subject; here only the wiring (no upper bounds:
            # the whole suite's load must not decide this test).
            assert 0 < one["tps_p50"] <= 101  # never faster than the server's 10 ms per token
            assert one["latest_tps"] == one["tps_p50"]
            assert one["ttft_p50"] >= 0.030  # never before the server's first token
            assert http.get("/api/models", params={"source": "probe"}).json()["total"] == 1
            assert http.get("/api/models", params={"source": "scraped"}).json()["total"] == 40
            detail = http.get(f"/api/models/{chute_id}").json()
            assert len(detail["probes"]) == 5  # 1 + 1 + a sweep of 3
            assert [p["concurrency"] for p in detail["sweep"]] == [1, 2, 4]
            assert detail["history"] == []
            sweep_headline = detail["sweep"][0]
            assert sweep_headline["headline"] and sweep_headline["tps_p50"] == one["tps_p50"]
        _check_pages(browser, server.url, chute_id, streaming_url)
    finally:
        server.stop()
        db.close()


def _check_pages(browser: Browser, url: str, chute_id: str, endpoint: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/models?q=fake")
    card = page.locator(f'.tps-card[data-chute-id="{chute_id}"]')
    expect(card).to_be_visible()
    expect(card.locator(".tps-source")).to_contain_text("probed")
    expect(card.locator(".tps-endpoint")).to_have_text(endpoint)
    expect(card.locator('[data-f="tps-p90"]')).not_to_have_text("—")
    expect(card.locator("svg.tps-spark path.line")).to_have_count(1)
    card.locator(".tps-name").click()
    expect(page.locator("h1")).to_have_text(MODEL)
    expect(page.locator(".tps-sweep svg.tps-chart")).to_have_count(2)
    expect(page.locator(".tps-sweep svg.tps-chart").first.locator("circle.dot")).to_have_count(3)
    expect(page.locator("table.tps-probes tbody tr")).to_have_count(5)
    context.close()


def test_models_page_without_anything_measured_says_how(
    browser: Browser, sqlite_url: str, chutes: FakeChutes
) -> None:
    db = Database(sqlite_url)
    upgrade(db)
    server = RunningServer(
        scrape_settings(sqlite_url, chutes.url, server={"port": free_port()}), db
    )
    try:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{server.url}/models")
        expect(page.locator(".tps-card")).to_have_count(0)
        expect(page.locator(".empty.big")).to_contain_text("zebench probe")
        expect(page.locator(".empty.big code").first).to_be_visible()  # markup, not backticks
        assert "`" not in page.locator(".empty.big").inner_text()
        context.close()
    finally:
        server.stop()
        db.close()


def test_a_bad_database_url_fails_before_measuring(streaming_url: str, tmp_path: object) -> None:
    done = zebench(*probe_args(streaming_url, "nosuchdb://x"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: --database-url") and done.stdout == ""
