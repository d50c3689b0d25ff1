"""The agent behind ``anthropic``, ``openai`` and ``openrouter``: the tool loop on one endpoint.

The agents differ only in their name, endpoint and default model; the wire format is
the endpoint's business (``zebench.llm.endpoints.chat_client``).
"""

from __future__ import annotations

from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.tool_loop import run_tool_loop
from zebench.config import Settings
from zebench.errors import UserError
from zebench.llm.endpoints import Endpoint, chat_client, http_client
from zebench.llm.pricing import price_table


class ToolLoopAgent:
    def __init__(self, name: str, settings: Settings, endpoint: Endpoint, model: str) -> None:
        self.name = name
        self.agents = settings.agents
        self.llm = settings.llm
        self.endpoint = endpoint
        self.default_model = model

    async def run(self, request: AgentRequest) -> AgentResult:
        async with http_client(self.llm) as http:
            return await run_tool_loop(
                chat_client(self.endpoint, http, self.llm),
                request,
                model=request.model or self.default_model,
                settings=self.agents,
                prices=price_table(self.llm),
            )


def configured(endpoint: Endpoint) -> Endpoint:
    """``endpoint``, or a ``UserError`` naming the setting its key is missing from."""
    if not endpoint.configured:
        raise UserError(endpoint.missing_key_message())
    return endpoint
