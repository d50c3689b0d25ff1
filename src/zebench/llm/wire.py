"""What the wire clients share: build a provider's request, POST it with retries, parse."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import httpx

from zebench.llm.chat import ChatRequest, ModelTurn, ToolResult
from zebench.llm.transport import RetryPolicy, post_json


@dataclass
class WireChat(ABC):
    """A ``ChatClient`` over HTTP; subclasses say the path, headers, body and reply shape."""

    http: httpx.AsyncClient
    base_url: str
    api_key: str | None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    provider: str = "llm"

    @property
    @abstractmethod
    def url(self) -> str: ...

    @abstractmethod
    def _headers(self) -> dict[str, str]: ...

    @abstractmethod
    def _body(self, request: ChatRequest) -> dict[str, Any]:
        """The request without ``temperature`` and ``_extra_body``."""

    def _extra_body(self) -> dict[str, Any]:
        """Fields merged into the body last (they win over the ones built here)."""
        return {}

    @abstractmethod
    def _parse(self, data: dict[str, Any]) -> ModelTurn: ...

    @abstractmethod
    def tool_result_messages(self, results: list[ToolResult]) -> list[dict[str, Any]]: ...

    async def complete(self, request: ChatRequest) -> ModelTurn:
        body = self._body(request)
        if request.temperature is not None:
            body["temperature"] = request.temperature
        body.update(self._extra_body())
        data = await post_json(
            self.http,
            self.url,
            headers=self._headers(),
            body=body,
            policy=self.policy,
            provider=self.provider,
        )
        return self._parse(data)

    def user_message(self, text: str) -> dict[str, Any]:
        return {"role": "user", "content": text}


def int_or_zero(value: Any) -> int:
    """A token count from a reply: anything but a real int counts as 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
