"""Pages that show weighted scores say when the runs behind them were scored with the
older scoring, counting only the runs their filters select."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import result

from dashboard_support import seeded, serve
from zebench.model.results import ResultIn
from zebench.service.analytics.scoring import scoring_mix
from zebench.service.filters import RunFilter
from zebench.service.results import submit_result
from zebench.store.database import Database

SCORED_PAGES = ["/", "/leaderboard", "/trends", "/costs", "/suites"]
BOTH = "These figures mix two scorings"
ONLY_OLD = "Every run here was scored with the older absolute scoring"


def _run(run_id: str, agent: str, version: int | None) -> ResultIn:
    metadata = {} if version is None else {"scoringVersion": version}
    return ResultIn.model_validate(
        result(run_id, agent=agent, status="completed", weightedScore=5.0, metadata=metadata)
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("scoring") / "zebench.db"
    with seeded(f"sqlite:///{path}", None) as store:
        # "new" scored with today's scoring only; "old" with version 1 only.
        for run_id, agent, version in [("n1", "new", 2), ("n2", "new", 2), ("o1", "old", None)]:
            submit_result(store, _run(run_id, agent, version))
        yield store


@pytest.fixture(scope="module")
def client(db: Database) -> Iterator[httpx.Client]:
    with serve(db) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def _notice(page: str) -> str:
    found = re.search(r'<p class="notice" role="note">(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def test_the_mix_counts_the_selected_completed_runs(db: Database) -> None:
    with db.read() as conn:
        every = scoring_mix(conn, RunFilter())
        new = scoring_mix(conn, RunFilter(agent="new"))
        old = scoring_mix(conn, RunFilter(agent="old"))
    assert (every.current, every.older, every.mixed) == (2, 1, True)
    assert (new.current, new.older, new.mixed) == (2, 0, False)
    assert (old.current, old.older, old.mixed) == (0, 1, False)


@pytest.mark.parametrize("path", SCORED_PAGES)
def test_every_scored_page_names_the_mix(client: httpx.Client, path: str) -> None:
    notice = _notice(client.get(path).text)
    assert BOTH in notice
    assert "2 runs scored baseline-relative (version 2) and 1 scored with the older" in notice


@pytest.mark.parametrize("path", [p for p in SCORED_PAGES if p != "/"])
def test_the_notice_follows_the_filter(client: httpx.Client, path: str) -> None:
    assert _notice(client.get(path, params={"agent": "new"}).text) == ""
    assert ONLY_OLD in _notice(client.get(path, params={"agent": "old"}).text)
