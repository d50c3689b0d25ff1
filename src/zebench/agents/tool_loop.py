"""The agent loop shared by every LLM agent: ask the model, run its tool calls, repeat.

The loop ends when the model answers without calling a tool (success), when it has
used ``request.max_iterations`` model calls, the token budget or ``request.timeout_s``
(``AgentResult.error`` says which), or when the provider fails for good. It never
raises for those: the harness stores the run with whatever was done and why it stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.metering import UsageMeter
from zebench.agents.workspace_tools import WorkspaceTools
from zebench.config import AgentSettings, ModelPrice
from zebench.llm.chat import ChatClient, ChatRequest, ModelTurn, ToolResult
from zebench.llm.errors import LLMError
from zebench.sandbox import current_sandbox

SYSTEM_PROMPT = """\
You are a software engineer working in a repository checked out in your workspace.
Do the task you are given by using the tools: read files, change them, and run \
commands (for example the tests) to check your work. All paths are relative to the \
workspace root; you cannot reach files outside it. If a decision needs the user's \
input, use askUser. When the task is done, reply with a short summary of what you \
changed and do not call any more tools."""


async def run_tool_loop(
    chat: ChatClient,
    request: AgentRequest,
    *,
    model: str,
    settings: AgentSettings,
    prices: Mapping[str, ModelPrice],
    system: str = SYSTEM_PROMPT,
) -> AgentResult:
    """Run the loop; on ``request.timeout_s`` it stops and returns what was done so far
    (the harness may also cancel it; then nothing is returned and commands are killed)."""
    loop = ToolLoop(chat, request, model=model, settings=settings, prices=prices, system=system)
    deadline = asyncio.timeout(request.timeout_s)
    try:
        async with deadline:
            error = await loop.run()
    except TimeoutError:
        if not deadline.expired():
            raise
        error = f"timed out after {request.timeout_s:g} s"
    return loop.result(error)


class ToolLoop:
    """The state of one conversation: wire messages, transcript, usage."""

    def __init__(
        self,
        chat: ChatClient,
        request: AgentRequest,
        *,
        model: str,
        settings: AgentSettings,
        prices: Mapping[str, ModelPrice],
        system: str,
    ) -> None:
        self.chat = chat
        self.request = request
        self.model = model
        self.system = system
        self.budget = settings.agent_token_budget
        self.tools = WorkspaceTools(
            request.workspace,
            request.oracle,
            command_timeout_s=settings.tool_command_timeout_s,
            output_limit=settings.tool_output_limit,
            sandbox=request.sandbox or current_sandbox(),
        )
        self.meter = UsageMeter(prices)
        self.messages: list[dict[str, Any]] = [chat.user_message(request.prompt)]
        self.transcript: list[dict[str, Any]] = [
            {"role": "system", "content": system},
            {"role": "user", "content": request.prompt},
        ]
        self.reported_model: str | None = None
        self.last_text = ""

    def result(self, error: str | None) -> AgentResult:
        if error:
            self.transcript.append({"role": "event", "content": error})
        return AgentResult(
            output=self.last_text,
            usage=self.meter.usage,
            transcript=self.transcript,
            model=self.reported_model or self.model,
            error=error,
        )

    async def run(self) -> str | None:
        """None when the model finished; otherwise why the loop stopped."""
        for _ in range(max(self.request.max_iterations, 0)):
            started = time.monotonic()
            try:
                turn = await self.chat.complete(
                    ChatRequest(
                        model=self.model,
                        system=self.system,
                        messages=self.messages,
                        tools=self.tools.specs,
                        max_tokens=self.request.max_tokens,
                    )
                )
            except LLMError as exc:
                return f"{exc} (after {exc.attempts} attempt(s))"
            self.reported_model = turn.model or self.reported_model
            cost = self.meter.add_turn(turn, self.model)
            self.last_text = turn.text or self.last_text
            self.transcript.append(_assistant_entry(turn, cost, time.monotonic() - started))
            self.messages.append(turn.assistant_message)
            if not turn.tool_calls:
                return None
            await self._run_tools(turn)
            used = self.meter.total_tokens
            if self.budget and used >= self.budget:
                return f"token budget exhausted: {used} tokens used, budget {self.budget}"
        return (
            f"iteration limit reached: {self.request.max_iterations} model calls "
            "without a final answer"
        )

    async def _run_tools(self, turn: ModelTurn) -> None:
        results: list[ToolResult] = []
        for call in turn.tool_calls:
            self.meter.usage.tool_calls += 1
            started = time.monotonic()
            outcome = await self.tools.call(call.name, call.arguments, call.arguments_error)
            took_ms = round((time.monotonic() - started) * 1000)
            results.append(ToolResult(call.id, call.name, outcome.content, outcome.is_error))
            self.transcript.append(
                {
                    "role": "tool",
                    "tool_result": {
                        "id": call.id,
                        "name": call.name,
                        "content": outcome.content,
                        "isError": outcome.is_error,
                    },
                    "durationMs": took_ms,
                }
            )
        self.messages.extend(self.chat.tool_result_messages(results))


def _assistant_entry(turn: ModelTurn, cost: float | None, seconds: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"role": "assistant", "content": turn.text}
    if turn.tool_calls:
        entry["tool_calls"] = [
            {
                "id": c.id,
                "name": c.name,
                "arguments": c.arguments,
                **({"argumentsError": c.arguments_error} if c.arguments_error else {}),
            }
            for c in turn.tool_calls
        ]
    entry["stop_reason"] = turn.stop_reason
    entry["model"] = turn.model
    entry["usage"] = {
        "tokensIn": turn.usage.total_input,
        "tokensOut": turn.usage.output,
        "costUsd": cost,
    }
    entry["durationMs"] = round(seconds * 1000)
    return entry
