"""Pytest fixtures for the fakes. Import the ones you need into a conftest::

from fakes.fixtures import fake_claude, fake_llm, llm_settings  # noqa: F401
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.llm_server import ScriptedLLMServer
from zebench.config import Settings

FAKE_KEY = "test-key"
FAKE_CLAUDE_SCRIPT = Path(__file__).with_name("fake_claude.py")


@pytest.fixture
def fake_llm() -> Iterator[ScriptedLLMServer]:
    """A scripted Anthropic + OpenAI-compatible server on loopback, expecting ``test-key``."""
    with ScriptedLLMServer(api_key=FAKE_KEY) as server:
        yield server


def settings_for(server: ScriptedLLMServer, home: Path, **overrides: object) -> Settings:
    """Settings pointing every provider and the judge at ``server``; fast retries."""
    values: dict[str, object] = {
        "home": home,
        "anthropic_base_url": server.anthropic_base_url,
        "anthropic_api_key": FAKE_KEY,
        "openai_base_url": server.openai_base_url,
        "openai_api_key": FAKE_KEY,
        "openrouter_base_url": server.openai_base_url,
        "openrouter_api_key": FAKE_KEY,
        "judge_base_url": None,
        "judge_api_key": None,
        "judge_provider": "auto",
        "llm_retry_backoff_s": 0.01,
        "llm_max_retries": 3,
        "llm_timeout_s": 10.0,
        "llm_prices": {},
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def llm_settings(fake_llm: ScriptedLLMServer, tmp_path: Path) -> Settings:
    return settings_for(fake_llm, tmp_path / "home")


@pytest.fixture
def fake_claude(tmp_path: Path) -> Path:
    """An executable standing in for ``claude``; behaviour via ``FAKE_CLAUDE_MODE``."""
    wrapper = tmp_path / "bin" / "claude"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_CLAUDE_SCRIPT}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    assert os.access(wrapper, os.X_OK)
    return wrapper
