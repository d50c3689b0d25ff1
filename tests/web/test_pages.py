"""Every page over real HTTP: status, security headers, the seeded figures, exports, errors."""

from __future__ import annotations

import csv
import html
import io
import re
import statistics

import httpx
import pytest

from dashboard_support import by_pair, ci95, money, pct, scored, successful, total_cost
from demo_data import Generated
from loopback import AppServer
from xss_fixtures import XSS_PAYLOADS
from zebench.web.rendering import path_part

PAGES = ["/", "/runs", "/batches", "/leaderboard", "/trends", "/costs", "/suites", "/evaluators"]


@pytest.fixture(scope="module")
def client(site: AppServer) -> httpx.Client:
    with httpx.Client(base_url=site.url, timeout=30) as c:
        yield c


def text_of(page: str) -> str:
    """What a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("path", PAGES)
def test_page_is_served_safely(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.text
    for payload in XSS_PAYLOADS:
        # Never verbatim: every payload appears, if at all, escaped.
        if "<" in payload or '"' in payload:
            assert payload not in body
    assert "<script>window.__xss" not in body


def test_overview_shows_the_totals(client: httpx.Client, data: Generated) -> None:
    results = data.results
    page = text_of(client.get("/").text)
    assert f">{len(results):,}<" in client.get("/").text
    assert pct(successful(results) / len(results)) in page
    assert f"{statistics.mean(scored(results)):.2f}" in page
    assert money(total_cost(results)) in page


def test_leaderboard_shows_each_pair(client: httpx.Client, data: Generated) -> None:
    page = text_of(client.get("/leaderboard").text)
    for (agent, model), runs in by_pair(data.results).items():
        if agent.startswith("xss"):
            continue
        scores = scored(runs)
        assert pct(successful(runs) / len(runs)) in page
        interval = ci95(scores)
        shown = f"{statistics.mean(scores):.2f}"
        if interval is not None:
            shown += f" ± {interval:.2f}"
        assert shown in page, (agent, model)


def test_runs_filter_sort_and_pages(client: httpx.Client, data: Generated) -> None:
    echo = [r for r in data.results if r.agent == "echo"]
    page = client.get("/runs", params={"agent": "echo", "per": 10})
    assert f"of {len(echo):,}" in page.text
    assert page.text.count('href="/runs/') == min(10, len(echo))
    top = max(scored(data.results))
    best = sorted(
        (r for r in data.results if r.status == "completed" and r.weighted_score == top),
        key=lambda r: r.started_at,
        reverse=True,
    )[0]  # ties go newest first
    by_score = client.get("/runs", params={"sort": "weightedScore", "dir": "desc", "per": 1})
    assert f'href="/runs/{path_part(best.run_id)}"' in by_score.text
    second = client.get(
        "/runs", params={"sort": "weightedScore", "dir": "desc", "per": 1, "page": 2}
    )
    assert f'href="/runs/{path_part(best.run_id)}"' not in second.text


def test_runs_export_holds_every_matching_row(client: httpx.Client, data: Generated) -> None:
    wins = {r.run_id for r in data.results if r.status == "completed" and r.is_successful}
    response = client.get("/runs", params={"status": "successful", "format": "csv"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["runId"] for r in rows} == wins
    as_json = client.get("/runs", params={"status": "successful", "format": "json"}).json()
    assert {r["runId"] for r in as_json} == wins
    assert all(r["status"] == "completed" and r["isSuccessful"] for r in as_json)


def test_csv_export_defuses_formulas(client: httpx.Client) -> None:
    response = client.get("/leaderboard", params={"format": "csv", "q": "xss"})
    for row in csv.reader(io.StringIO(response.text)):
        for value in row:
            assert not value.startswith(("=", "+", "@")), value


def test_aggregate_exports(client: httpx.Client, data: Generated) -> None:
    pairs = by_pair(data.results)
    board = client.get("/leaderboard", params={"format": "json"}).json()
    assert {(r["agent"], r["model"]) for r in board} == set(pairs)
    assert sum(r["runs"] for r in board) == len(data.results)
    suites = client.get("/suites", params={"format": "csv", "table": "suites"})
    assert sum(int(r["runs"]) for r in csv.DictReader(io.StringIO(suites.text))) == len(
        data.results
    )
    batches = client.get("/batches", params={"format": "json"}).json()
    assert {b["batchId"] for b in batches} == {b.batch_id for b in data.batches}


def test_run_detail_shows_everything(client: httpx.Client, data: Generated) -> None:
    run = next(
        r
        for r in data.results
        if r.status == "completed" and r.transcript and r.evaluations and r.metadata
    )
    page = text_of(client.get(f"/runs/{path_part(run.run_id)}").text)
    for evaluation in run.evaluations:
        assert evaluation.evaluator_name in page
    assert run.evaluations[1].details.splitlines()[0] in page  # the judge's text
    assert run.metadata["validation"][0]["command"] in page
    assert run.metadata["validation"][0]["output"].splitlines()[0] in page
    assert run.metadata["diffSummary"][0]["file"] in page
    assert "Tool call: readFile" in page
    assert "<details" in client.get(f"/runs/{path_part(run.run_id)}").text
    failed = next(r for r in data.results if r.status == "failed" and not r.agent.startswith("xss"))
    failed_page = text_of(client.get(f"/runs/{path_part(failed.run_id)}").text)
    assert failed.metadata["error"] in failed_page
    assert f"Failed: {failed.metadata['errorType']}" in failed_page


def test_xss_run_page_keeps_payloads_as_text(client: httpx.Client, data: Generated) -> None:
    for run in (r for r in data.results if r.agent.startswith("xss")):
        response = client.get(f"/runs/{path_part(run.run_id)}")
        assert response.status_code == 200
        for payload in XSS_PAYLOADS:
            if "<" in payload:
                assert payload not in response.text
        assert run.agent in text_of(response.text)  # shown, as text


def test_batch_pages(client: httpx.Client, data: Generated) -> None:
    batch = data.batches[0]
    runs = [r for r in data.results if r.batch_id == batch.batch_id]
    page = client.get(f"/batches/{path_part(batch.batch_id)}")
    assert page.status_code == 200
    assert f"of {len(runs):,}" in page.text
    export = client.get(
        f"/batches/{path_part(batch.batch_id)}", params={"format": "json", "table": "runs"}
    ).json()
    assert {r["runId"] for r in export} == {r.run_id for r in runs}
    xss = next(b for b in data.batches if b.batch_id.startswith("xss"))
    assert client.get(f"/batches/{path_part(xss.batch_id)}").status_code == 200
    ids = ",".join(b.batch_id for b in data.batches[:3])
    compare = client.get("/batches/compare", params={"ids": ids})
    assert compare.status_code == 200
    assert "Is the difference beyond noise?" in compare.text


def test_bad_parameters_are_named(client: httpx.Client) -> None:
    page = client.get("/runs", params={"since": "yesterday"})
    assert page.status_code == 422
    assert "since must be a date" in page.text
    as_json = client.get("/runs", params={"sort": "secret", "format": "json"})
    assert as_json.status_code == 422
    assert as_json.json()["details"]["field"] == "sort"
    assert client.get("/leaderboard", params={"format": "xml"}).json()["details"] == {
        "field": "format",
        "value": "xml",
    }
    assert client.get("/batches/compare", params={"ids": "only-one"}).status_code == 422
    assert client.get("/runs", params={"page": "0"}).status_code == 422


def test_unknown_things_are_404(client: httpx.Client) -> None:
    assert client.get("/runs/does-not-exist").status_code == 404
    assert client.get("/batches/does-not-exist").status_code == 404
    missing = client.get("/batches/compare", params={"ids": "nope-a,nope-b"})
    assert missing.status_code == 404


def test_live_version_is_conditional(client: httpx.Client) -> None:
    first = client.get("/live/version")
    etag = first.headers["etag"]
    again = client.get("/live/version", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert first.json()["version"] in etag


def test_plotly_is_served_locally(client: httpx.Client) -> None:
    assert "plotly" not in client.get("/").text  # the overview's chart is inline SVG
    page = client.get("/trends").text
    src = page.split('<script src="/static/vendor/')[1].split('"')[0]
    bundle = client.get(f"/static/vendor/{src}")
    assert bundle.status_code == 200
    assert "plotly" in bundle.text[:200].lower()
    assert "immutable" in bundle.headers["cache-control"]
