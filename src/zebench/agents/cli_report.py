"""Read what a coding-agent CLI reports about its run: answer, tokens, cost, turns.

Understood shapes: Claude Code's ``--output-format json`` object (``result``,
``total_cost_usd``, ``usage.input_tokens``/``output_tokens`` plus cache tokens,
``num_turns``, ``is_error``), the last line of ``stream-json`` output, and the
OpenAI-style ``usage.prompt_tokens``/``completion_tokens`` many other CLIs print.
"""

from __future__ import annotations

import json
from typing import Any

from zebench.agents.base import Usage

_OUTPUT_KEYS = ("result", "output", "response", "message", "text")
_COST_KEYS = ("total_cost_usd", "cost_usd", "costUsd", "cost")


def parse_report(stdout: str) -> dict[str, Any] | None:
    """The JSON object the CLI printed: all of stdout, else its last JSON line."""
    text = stdout.strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                return data
    return None


def report_output(report: dict[str, Any]) -> str | None:
    for key in _OUTPUT_KEYS:
        value = report.get(key)
        if isinstance(value, str):
            return value
    return None


def report_usage(report: dict[str, Any]) -> Usage:
    raw_usage = report.get("usage")
    usage: dict[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}

    def number(*keys: str, sources: tuple[dict[str, Any], ...] = (usage, report)) -> float | None:
        for source in sources:
            for key in keys:
                value = source.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
        return None

    tokens_in = number("input_tokens", "prompt_tokens", "tokensIn", "tokens_in") or 0.0
    # Claude Code counts cached prompt tokens apart; they were still sent.
    tokens_in += number("cache_creation_input_tokens", sources=(usage,)) or 0.0
    tokens_in += number("cache_read_input_tokens", sources=(usage,)) or 0.0
    tokens_out = number("output_tokens", "completion_tokens", "tokensOut", "tokens_out") or 0.0
    cost = number(*_COST_KEYS, sources=(report, usage))
    tool_calls = number("tool_calls", "toolCalls", sources=(report, usage))
    if tool_calls is None:
        turns = number("num_turns", sources=(report,))
        # Every turn after the first answers a tool result: the closest count the CLI gives.
        tool_calls = max(turns - 1, 0) if turns is not None else 0
    return Usage(
        tokens_in=int(tokens_in),
        tokens_out=int(tokens_out),
        cost_usd=cost,
        tool_calls=int(tool_calls),
    )


def report_model(report: dict[str, Any]) -> str | None:
    if isinstance(report.get("model"), str):
        return str(report["model"])
    by_model = report.get("modelUsage")
    if isinstance(by_model, dict) and by_model:
        return str(next(iter(by_model)))
    return None


def report_error(report: dict[str, Any]) -> str | None:
    """The CLI's own verdict that the run failed (Claude Code: ``is_error``)."""
    if report.get("is_error") is True:
        subtype = report.get("subtype") or "error"
        detail = report_output(report) or ""
        return f"{subtype}: {detail}".strip().rstrip(":")
    return None
