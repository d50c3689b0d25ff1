"""The agent loop shared by every LLM agent: ask the model, run its tool calls, repeat.

The loop ends when the model answers without calling a tool (success), when it has
used ``request.max_iterations`` model calls or the token budget (``AgentResult.error``
says which), or when the provider fails for good. It never raises for those: the
harness stores the run with whatever was done and the reason it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.metering import UsageMeter
from zebench.agents.workspace_tools import WorkspaceTools
from zebench.config import ModelPrice, Settings
from zebench.llm.chat import ChatClient, ModelTurn, ToolResult
from zebench.llm.errors import LLMError

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
    settings: Settings,
    prices: Mapping[str, ModelPrice],
    system: str = SYSTEM_PROMPT,
) -> AgentResult:
    tools = WorkspaceTools(
        request.workspace,
        request.oracle,
        command_timeout_s=settings.tool_command_timeout_s,
        output_limit=settings.tool_output_limit,
    )
    meter = UsageMeter(prices)
    messages: list[dict[str, Any]] = [chat.user_message(request.prompt)]
    transcript: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": request.prompt},
    ]
    reported_model: str | None = None
    last_text = ""
    budget = settings.agent_token_budget

    def result(error: str | None) -> AgentResult:
        if error:
            transcript.append({"role": "event", "content": error})
        return AgentResult(
            output=last_text,
            usage=meter.usage,
            transcript=transcript,
            model=reported_model or model,
            error=error,
        )

    for _ in range(max(request.max_iterations, 0)):
        started = time.monotonic()
        try:
            turn = await chat.complete(
                model=model,
                system=system,
                messages=messages,
                tools=tools.specs,
                max_tokens=request.max_tokens,
            )
        except LLMError as exc:
            return result(f"{exc} (after {exc.attempts} attempt(s))")
        reported_model = turn.model or reported_model
        cost = meter.add_turn(turn, model)
        last_text = turn.text or last_text
        transcript.append(_assistant_entry(turn, cost, time.monotonic() - started))
        messages.append(turn.assistant_message)
        if not turn.tool_calls:
            return result(None)

        results: list[ToolResult] = []
        for call in turn.tool_calls:
            meter.usage.tool_calls += 1
            outcome = await tools.call(call.name, call.arguments, call.arguments_error)
            results.append(ToolResult(call.id, call.name, outcome.content, outcome.is_error))
            transcript.append(
                {
                    "role": "tool",
                    "tool_result": {
                        "id": call.id,
                        "name": call.name,
                        "content": outcome.content,
                        "isError": outcome.is_error,
                    },
                }
            )
        messages.extend(chat.tool_result_messages(results))
        if budget and meter.total_tokens >= budget:
            return result(
                f"token budget exhausted: {meter.total_tokens} tokens used, budget {budget}"
            )
    return result(
        f"iteration limit reached: {request.max_iterations} model calls without a final answer"
    )


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
