"""Leaderboard fixtures: a fake chutes.ai on loopback, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_chutes import FakeChutes, make_dataset
from streaming_support import streaming_server
from throughput_support import TODAY


@pytest.fixture(scope="module")
def fake_chutes() -> Iterator[FakeChutes]:
    fake = FakeChutes(make_dataset(40, 75, today=TODAY))
    yield fake
    fake.close()


@pytest.fixture
def chutes(fake_chutes: FakeChutes) -> Iterator[FakeChutes]:
    """The module's fake source, with its original data and no faults for each test."""
    fake_chutes.set_dataset(make_dataset(40, 75, today=TODAY))
    fake_chutes.reset()
    yield fake_chutes
    fake_chutes.reset()


@pytest.fixture(scope="session")
def streaming_url() -> Iterator[str]:
    """A timed OpenAI-compatible streaming server in its own process (key: API_KEY)."""
    with streaming_server() as url:
        yield url
