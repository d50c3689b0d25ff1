"""Pytest fixtures for the fakes: ``fake_llm``, ``llm_settings``, ``fake_claude``.

Load them as a plugin in a test module (or in the top-level conftest)::

    pytest_plugins = ["fakes.fixtures"]

Plain helpers (``settings_for``, ``FAKE_KEY``, ``FAKE_CLAUDE_SCRIPT``) are in
``fakes.support``: import those, not this module, or pytest cannot rewrite its asserts.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.llm_server import ScriptedLLMServer
from fakes.support import FAKE_CLAUDE_SCRIPT, FAKE_KEY, settings_for
from zebench.config import Settings


@pytest.fixture
def fake_llm() -> Iterator[ScriptedLLMServer]:
    """A scripted Anthropic + OpenAI-compatible server on loopback, expecting ``test-key``."""
    with ScriptedLLMServer(api_key=FAKE_KEY) as server:
        yield server


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
