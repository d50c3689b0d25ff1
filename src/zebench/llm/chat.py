"""Provider-neutral shapes of one model call: tools offered, tool calls made, usage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it; ``parameters`` is a JSON Schema object."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolRequest:
    """A tool call the model asked for; its ``ToolResult`` answers it."""

    id: str
    name: str
    arguments: dict[str, Any]
    arguments_error: str | None = None
    """Set when the provider sent arguments that are not a JSON object."""


@dataclass(frozen=True)
class ToolResult:
    call_id: str
    name: str
    content: str
    is_error: bool = False


@dataclass
class TokenUsage:
    input: int = 0
    output: int = 0
    cache_write: int = 0
    cache_read: int = 0

    @property
    def total_input(self) -> int:
        """Every prompt token, cached or not: what the run actually sent."""
        return self.input + self.cache_write + self.cache_read


@dataclass
class ModelTurn:
    """One reply of the model, with what is needed to continue the conversation."""

    text: str
    tool_calls: list[ToolRequest]
    stop_reason: str | None
    usage: TokenUsage
    model: str | None
    assistant_message: dict[str, Any]
    """The reply in the provider's wire format, to append to ``messages`` as is."""
    provider_cost_usd: float | None = None
    """Cost the provider reported for this call (OpenRouter ``usage.cost``)."""


@dataclass(frozen=True)
class ChatRequest:
    """One call's conversation and limits, before a wire format is applied."""

    model: str
    system: str
    messages: list[dict[str, Any]]
    tools: list[ToolSpec]
    max_tokens: int
    temperature: float | None = None
    """None: the provider's default."""


class ChatClient(Protocol):
    """A provider's chat endpoint, spoken in its own wire format."""

    provider: str

    async def complete(self, request: ChatRequest) -> ModelTurn:
        """Send the conversation; raise ``LLMError`` when the provider fails for good."""
        ...

    def user_message(self, text: str) -> dict[str, Any]: ...

    def tool_result_messages(self, results: list[ToolResult]) -> list[dict[str, Any]]: ...
