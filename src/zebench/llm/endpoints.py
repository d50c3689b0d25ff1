"""Which provider endpoint to call, with which key, built from ``LLMSettings``.

An endpoint on a provider's public URL needs a key; one on any other URL (a local
vLLM or Ollama, a test server) is usable without one.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from zebench.config import LLMSettings
from zebench.llm.anthropic import AnthropicChat
from zebench.llm.chat import ChatClient
from zebench.llm.openai_compat import OpenAIChat
from zebench.llm.transport import RetryPolicy

_DEFAULT_URLS = {
    "anthropic": "https://api.anthropic.com",
    "openai": "https://api.openai.com/v1",
    "openrouter": "https://openrouter.ai/api/v1",
}
_KEY_VARIABLES = {
    "anthropic": "ANTHROPIC_API_KEY",
    "openai": "OPENAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "judge": "ZEBENCH_JUDGE_API_KEY",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    """anthropic | openai | openrouter | judge: what the user configured."""
    wire: Literal["anthropic", "openai"]
    base_url: str
    api_key: str | None
    extra_body: dict[str, Any] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """A key is set, or the URL is not the provider's public one (local servers)."""
        if self.api_key:
            return True
        public = _DEFAULT_URLS.get(self.name)
        return public is None or not _same_url(self.base_url, public)

    def missing_key_message(self) -> str:
        variable = _KEY_VARIABLES.get(self.name, "the API key")
        return f"{self.name}: {variable} is not set (needed for {self.base_url})"


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def anthropic_endpoint(settings: LLMSettings) -> Endpoint:
    return Endpoint(
        "anthropic", "anthropic", settings.anthropic_base_url, settings.anthropic_api_key
    )


def openai_endpoint(settings: LLMSettings) -> Endpoint:
    return Endpoint("openai", "openai", settings.openai_base_url, settings.openai_api_key)


def openrouter_endpoint(settings: LLMSettings) -> Endpoint:
    # Ask OpenRouter to report what each call cost; that beats any price table.
    return Endpoint(
        "openrouter",
        "openai",
        settings.openrouter_base_url,
        settings.openrouter_api_key,
        extra_body={"usage": {"include": True}},
    )


def retry_policy(settings: LLMSettings) -> RetryPolicy:
    return RetryPolicy(
        max_retries=max(settings.llm_max_retries, 0), backoff_s=settings.llm_retry_backoff_s
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds; do it once per process.
    return httpx.create_ssl_context()


def http_client(settings: LLMSettings) -> httpx.AsyncClient:
    """One client per run: closed with the run, never shared across event loops."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.llm_timeout_s, connect=30.0), verify=_tls_context()
    )


def chat_client(endpoint: Endpoint, http: httpx.AsyncClient, settings: LLMSettings) -> ChatClient:
    policy = retry_policy(settings)
    if endpoint.wire == "anthropic":
        return AnthropicChat(
            http=http,
            base_url=endpoint.base_url,
            api_key=endpoint.api_key,
            version=settings.anthropic_version,
            policy=policy,
        )
    headers = {"X-Title": "ze-benchmarks"} if endpoint.name == "openrouter" else {}
    return OpenAIChat(
        http=http,
        base_url=endpoint.base_url,
        api_key=endpoint.api_key,
        policy=policy,
        provider=endpoint.name,
        extra_body=dict(endpoint.extra_body),
        extra_headers=headers,
    )
