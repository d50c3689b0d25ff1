"""With nothing stored yet, every page says what to run to get data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dashboard_support import seeded, serve

PAGES = ["/", "/runs", "/batches", "/leaderboard", "/trends", "/costs", "/suites", "/evaluators"]


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path: Path = tmp_path_factory.mktemp("empty") / "zebench.db"
    with seeded(f"sqlite:///{path}", None) as db, serve(db) as served:
        yield served.url


@pytest.mark.parametrize("path", PAGES)
def test_empty_page_says_what_to_run(empty_site: str, path: str) -> None:
    response = httpx.get(empty_site + path)
    assert response.status_code == 200
    assert "zebench run example" in response.text or "zebench batch" in response.text


def test_empty_exports_are_empty(empty_site: str) -> None:
    assert httpx.get(empty_site + "/runs?format=json").json() == []
    assert httpx.get(empty_site + "/runs?format=csv").text.startswith("runId,status,")
    assert httpx.get(empty_site + "/leaderboard?format=json").json() == []
