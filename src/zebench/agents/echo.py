"""The ``echo`` agent: changes nothing and answers with the prompt (a baseline)."""

from __future__ import annotations

from zebench.agents.base import AgentRequest, AgentResult
from zebench.config import Settings


class EchoAgent:
    name = "echo"

    async def run(self, request: AgentRequest) -> AgentResult:
        return AgentResult(
            output=request.prompt,
            transcript=[
                {"role": "user", "content": request.prompt},
                {"role": "assistant", "content": request.prompt},
            ],
            model=request.model,
        )


def create(settings: Settings) -> EchoAgent:
    return EchoAgent()
