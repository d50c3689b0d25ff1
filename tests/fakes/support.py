"""Helpers for tests that use the fakes (importable; the fixtures are in ``fixtures``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakes.llm_server import ScriptedLLMServer
from settings_support import settings_with
from zebench.config import Settings

FAKE_KEY = "test-key"
FAKE_CLAUDE_SCRIPT = Path(__file__).with_name("fake_claude.py")


def settings_for(server: ScriptedLLMServer, home: Path, **overrides: object) -> Settings:
    """Settings pointing every provider and the judge at ``server``; fast retries."""
    values: dict[str, Any] = {
        "home": home,
        "llm": {
            "anthropic_base_url": server.anthropic_base_url,
            "anthropic_api_key": FAKE_KEY,
            "openai_base_url": server.openai_base_url,
            "openai_api_key": FAKE_KEY,
            "openrouter_base_url": server.openai_base_url,
            "openrouter_api_key": FAKE_KEY,
            "llm_retry_backoff_s": 0.01,
            "llm_max_retries": 3,
            "llm_timeout_s": 10.0,
            "llm_prices": {},
        },
        "judge": {"judge_base_url": None, "judge_api_key": None, "judge_provider": "auto"},
    }
    return settings_with(values, overrides)
