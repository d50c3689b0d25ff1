"""OpenAI Chat Completions (``POST {base}/chat/completions``) with tools.

Spoken by OpenAI, OpenRouter, vLLM, Ollama and Chutes; ``base_url`` ends in ``/v1``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from zebench.llm.chat import ChatRequest, ModelTurn, TokenUsage, ToolRequest, ToolResult
from zebench.llm.wire import WireChat, int_or_zero


@dataclass
class OpenAIChat(WireChat):
    provider: str = "openai"
    extra_body: dict[str, Any] = field(default_factory=dict)
    """Provider-specific fields, e.g. OpenRouter's ``{"usage": {"include": true}}``."""
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"

    @property
    def _max_tokens_field(self) -> str:
        # OpenAI's reasoning models reject max_tokens; other servers may not know the new name.
        host = urlsplit(self.base_url).hostname or ""
        return "max_completion_tokens" if host == "api.openai.com" else "max_tokens"

    def _headers(self) -> dict[str, str]:
        headers = {"content-type": "application/json", **self.extra_headers}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        return headers

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        system = [{"role": "system", "content": request.system}] if request.system else []
        body: dict[str, Any] = {
            "model": request.model,
            "messages": system + request.messages,
            self._max_tokens_field: request.max_tokens,
        }
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
        return body

    def _extra_body(self) -> dict[str, Any]:
        return self.extra_body

    def _parse(self, data: dict[str, Any]) -> ModelTurn:
        return parse_completion(data)

    def tool_result_messages(self, results: list[ToolResult]) -> list[dict[str, Any]]:
        return [
            {"role": "tool", "tool_call_id": r.call_id, "content": _tool_content(r)}
            for r in results
        ]


def _tool_content(result: ToolResult) -> str:
    # The wire format has no error flag for tool messages; say it in words.
    return f"ERROR: {result.content}" if result.is_error else result.content


def parse_completion(data: dict[str, Any]) -> ModelTurn:
    """A Chat Completions reply as a ``ModelTurn`` (first choice)."""
    choices = data.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    content = message.get("content")
    text = content if isinstance(content, str) else _join_parts(content)
    raw_calls = _with_ids([c for c in message.get("tool_calls") or [] if isinstance(c, dict)])
    calls = [_tool_call(c) for c in raw_calls]
    raw_usage = data.get("usage") or {}
    usage = TokenUsage(
        input=int_or_zero(raw_usage.get("prompt_tokens")),
        output=int_or_zero(raw_usage.get("completion_tokens")),
    )
    cost = raw_usage.get("cost")
    assistant: dict[str, Any] = {"role": "assistant", "content": content}
    if raw_calls:
        assistant["tool_calls"] = raw_calls
    return ModelTurn(
        text=text,
        tool_calls=calls,
        stop_reason=choice.get("finish_reason"),
        usage=usage,
        model=data.get("model"),
        assistant_message=assistant,
        provider_cost_usd=float(cost)
        if isinstance(cost, int | float) and not isinstance(cost, bool)
        else None,
    )


def _with_ids(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Some servers (older Ollama) send tool calls without ids; tool results must name
    one, so give them ids and echo the same ids back in the assistant message."""
    return [c if c.get("id") else {**c, "id": f"call_{i}"} for i, c in enumerate(calls)]


def _tool_call(raw: dict[str, Any]) -> ToolRequest:
    function = raw.get("function") or {}
    arguments = function.get("arguments")
    parsed: Any
    error: str | None = None
    if isinstance(arguments, dict):
        parsed = arguments
    elif arguments in (None, ""):
        parsed = {}
    else:
        try:
            parsed = json.loads(arguments)
        except (TypeError, ValueError) as exc:
            parsed, error = {}, f"arguments are not valid JSON ({exc}): {str(arguments)[:200]}"
        if not error and not isinstance(parsed, dict):
            parsed, error = {}, "arguments are not a JSON object"
    return ToolRequest(
        id=str(raw.get("id", "")),
        name=str(function.get("name", "")),
        arguments=parsed,
        arguments_error=error,
    )


def _join_parts(content: Any) -> str:
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""
