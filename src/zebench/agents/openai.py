"""The ``openai`` and ``openrouter`` agents: a tool loop on Chat Completions.

``openai`` talks to ``ZEBENCH_OPENAI_BASE_URL`` (OpenAI, vLLM, Ollama, Chutes...);
``openrouter`` is the same loop on OpenRouter, which also reports each call's cost.
"""

from __future__ import annotations

from zebench.agents.tool_loop_agent import ToolLoopAgent, configured
from zebench.config import Settings
from zebench.llm.endpoints import openai_endpoint, openrouter_endpoint


def create(settings: Settings) -> ToolLoopAgent:
    endpoint = configured(openai_endpoint(settings.llm))
    return ToolLoopAgent("openai", settings, endpoint, settings.agents.openai_model)


def create_openrouter(settings: Settings) -> ToolLoopAgent:
    endpoint = configured(openrouter_endpoint(settings.llm))
    return ToolLoopAgent("openrouter", settings, endpoint, settings.agents.openrouter_model)
