"""The ``anthropic`` agent: a tool loop on Anthropic's Messages API."""

from __future__ import annotations

from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.tool_loop import run_tool_loop
from zebench.config import Settings
from zebench.errors import UserError
from zebench.llm.endpoints import Endpoint, anthropic_endpoint, chat_client, http_client
from zebench.llm.pricing import price_table


class AnthropicAgent:
    name = "anthropic"

    def __init__(self, settings: Settings, endpoint: Endpoint) -> None:
        self.settings = settings
        self.endpoint = endpoint

    async def run(self, request: AgentRequest) -> AgentResult:
        model = request.model or self.settings.anthropic_model
        async with http_client(self.settings) as http:
            return await run_tool_loop(
                chat_client(self.endpoint, http, self.settings),
                request,
                model=model,
                settings=self.settings,
                prices=price_table(self.settings),
            )


def create(settings: Settings) -> AnthropicAgent:
    endpoint = anthropic_endpoint(settings)
    if not endpoint.configured:
        raise UserError(endpoint.missing_key_message())
    return AnthropicAgent(settings, endpoint)
