"""The ``openai`` and ``openrouter`` agents: a tool loop on Chat Completions.

``openai`` talks to ``ZEBENCH_OPENAI_BASE_URL`` (OpenAI, vLLM, Ollama, Chutes...);
``openrouter`` is the same loop on OpenRouter, which also reports each call's cost.
"""

from __future__ import annotations

from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.tool_loop import run_tool_loop
from zebench.config import Settings
from zebench.errors import UserError
from zebench.llm.endpoints import (
    Endpoint,
    chat_client,
    http_client,
    openai_endpoint,
    openrouter_endpoint,
)
from zebench.llm.pricing import price_table


class ChatCompletionsAgent:
    def __init__(self, name: str, settings: Settings, endpoint: Endpoint, model: str) -> None:
        self.name = name
        self.settings = settings
        self.endpoint = endpoint
        self.default_model = model

    async def run(self, request: AgentRequest) -> AgentResult:
        async with http_client(self.settings) as http:
            return await run_tool_loop(
                chat_client(self.endpoint, http, self.settings),
                request,
                model=request.model or self.default_model,
                settings=self.settings,
                prices=price_table(self.settings),
            )


def _checked(endpoint: Endpoint) -> Endpoint:
    if not endpoint.configured:
        raise UserError(endpoint.missing_key_message())
    return endpoint


def create(settings: Settings) -> ChatCompletionsAgent:
    endpoint = _checked(openai_endpoint(settings))
    return ChatCompletionsAgent("openai", settings, endpoint, settings.openai_model)


def create_openrouter(settings: Settings) -> ChatCompletionsAgent:
    endpoint = _checked(openrouter_endpoint(settings))
    return ChatCompletionsAgent("openrouter", settings, endpoint, settings.openrouter_model)
