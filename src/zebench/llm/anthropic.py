"""Anthropic's Messages API (``POST /v1/messages``) with tool use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zebench.llm.chat import ChatRequest, ModelTurn, TokenUsage, ToolRequest, ToolResult
from zebench.llm.wire import WireChat, int_or_zero


@dataclass
class AnthropicChat(WireChat):
    provider: str = "anthropic"
    version: str = "2023-06-01"

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/v1/messages"

    def _headers(self) -> dict[str, str]:
        headers = {"anthropic-version": self.version, "content-type": "application/json"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        return headers

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": request.messages,
        }
        if request.system:
            body["system"] = request.system
        if request.tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in request.tools
            ]
        return body

    def _parse(self, data: dict[str, Any]) -> ModelTurn:
        return parse_message(data)

    def tool_result_messages(self, results: list[ToolResult]) -> list[dict[str, Any]]:
        # All results of one turn go back in a single user message, as the API requires.
        blocks = [
            {
                "type": "tool_result",
                "tool_use_id": r.call_id,
                "content": r.content,
                **({"is_error": True} if r.is_error else {}),
            }
            for r in results
        ]
        return [{"role": "user", "content": blocks}]


def parse_message(data: dict[str, Any]) -> ModelTurn:
    """A Messages API reply as a ``ModelTurn``; unknown block types are kept but ignored."""
    blocks = data.get("content") or []
    texts: list[str] = []
    calls: list[ToolRequest] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif block.get("type") == "tool_use":
            raw_input = block.get("input")
            arguments: dict[str, Any] = raw_input if isinstance(raw_input, dict) else {}
            calls.append(
                ToolRequest(
                    id=str(block.get("id", "")),
                    name=str(block.get("name", "")),
                    arguments=arguments,
                    arguments_error=None
                    if isinstance(raw_input, dict)
                    else "tool input is not a JSON object",
                )
            )
    raw_usage = data.get("usage") or {}
    usage = TokenUsage(
        input=int_or_zero(raw_usage.get("input_tokens")),
        output=int_or_zero(raw_usage.get("output_tokens")),
        cache_write=int_or_zero(raw_usage.get("cache_creation_input_tokens")),
        cache_read=int_or_zero(raw_usage.get("cache_read_input_tokens")),
    )
    return ModelTurn(
        text="\n".join(t for t in texts if t),
        tool_calls=calls,
        stop_reason=data.get("stop_reason"),
        usage=usage,
        model=data.get("model"),
        assistant_message={"role": "assistant", "content": blocks},
    )
