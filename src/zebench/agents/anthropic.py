"""The ``anthropic`` agent: a tool loop on Anthropic's Messages API."""

from __future__ import annotations

from zebench.agents.tool_loop_agent import ToolLoopAgent, configured
from zebench.config import Settings
from zebench.llm.endpoints import anthropic_endpoint


def create(settings: Settings) -> ToolLoopAgent:
    endpoint = configured(anthropic_endpoint(settings.llm))
    return ToolLoopAgent("anthropic", settings, endpoint, settings.agents.anthropic_model)
