"""Wire clients for LLM providers, shared by the agents and the LLM judge.

Two wire formats cover every provider we call: Anthropic's Messages API and OpenAI's
Chat Completions (OpenAI, OpenRouter, vLLM, Ollama, Chutes). Both retry 429/5xx and
network errors with backoff and raise ``LLMError`` when a call fails for good.
"""

from zebench.llm.chat import (
    ChatClient,
    ChatRequest,
    ModelTurn,
    TokenUsage,
    ToolRequest,
    ToolResult,
    ToolSpec,
)
from zebench.llm.errors import LLMError

__all__ = [
    "ChatClient",
    "ChatRequest",
    "LLMError",
    "ModelTurn",
    "TokenUsage",
    "ToolRequest",
    "ToolResult",
    "ToolSpec",
]
