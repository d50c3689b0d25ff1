"""The anthropic, openai and openrouter agents, against a local server speaking their
wire formats with scripted tool calls and usage."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from fakes.llm_server import (
    RecordedRequest,
    Reply,
    ScriptedLLMServer,
    anthropic_error,
    anthropic_message,
    openai_completion,
    openai_error,
)
from fakes.support import settings_for
from harness_support import wait_gone
from zebench.agents.base import AgentRequest
from zebench.agents.registry import get_agent
from zebench.config import ModelPrice, Settings

pytest_plugins = ["fakes.fixtures"]  # provides fake_llm, llm_settings

ORACLE = {"should i update to react 19": "No, stay on React 18."}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "README.md").write_text("# demo\n")
    return ws


def request_for(workspace: Path, **overrides: object) -> AgentRequest:
    values: dict[str, object] = {
        "prompt": "Add hello.py and check it runs.",
        "workspace": workspace,
        "model": "claude-sonnet-4-20250514",
        "oracle": ORACLE,
        "max_iterations": 10,
        "max_tokens": 1024,
    }
    values.update(overrides)
    return AgentRequest(**values)  # type: ignore[arg-type]


def anthropic_tool_results(request: RecordedRequest) -> dict[str, dict[str, object]]:
    """tool_use_id -> tool_result block of the last user message."""
    last = request.body["messages"][-1]
    return {b["tool_use_id"]: b for b in last["content"] if b["type"] == "tool_result"}


async def test_anthropic_tool_loop_writes_runs_asks_and_finishes(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(
        anthropic_message(
            "I'll ask first.",
            [("tu_1", "askUser", {"question": "Should I update React to version 19?"})],
            input_tokens=200,
            output_tokens=30,
        ),
        anthropic_message(
            "",
            [
                ("tu_2", "writeFile", {"path": "hello.py", "content": "print('hello')\n"}),
                ("tu_3", "listFiles", {}),
            ],
            input_tokens=300,
            output_tokens=40,
            cache_read=1000,
        ),
        anthropic_message(
            "", [("tu_4", "runCommand", {"command": "python3 hello.py"})], input_tokens=400
        ),
        anthropic_message("Done: hello.py prints hello.", input_tokens=500, output_tokens=10),
    )
    agent = get_agent("anthropic", llm_settings)
    result = await agent.run(request_for(workspace))

    assert result.error is None
    assert result.output == "Done: hello.py prints hello."
    assert (workspace / "hello.py").read_text() == "print('hello')\n"
    assert result.usage.tool_calls == 4
    assert result.usage.tokens_in == 200 + 300 + 1000 + 400 + 500
    assert result.usage.tokens_out == 30 + 40 + 20 + 10
    # Priced from the built-in table: claude-sonnet-4 at $3 / $15 per million, cache reads 0.1x.
    expected = ((200 + 300 + 400 + 500) * 3 + 1000 * 0.3 + 100 * 15) / 1_000_000
    assert result.usage.cost_usd == pytest.approx(expected)
    assert result.model == "fake-model-1"

    requests = fake_llm.requests
    assert len(requests) == 4
    first = requests[0]
    assert first.headers["x-api-key"] == "test-key"
    assert first.headers["anthropic-version"] == "2023-06-01"
    assert first.body["model"] == "claude-sonnet-4-20250514"
    assert first.body["max_tokens"] == 1024
    assert {t["name"] for t in first.body["tools"]} == {
        "readFile",
        "writeFile",
        "listFiles",
        "runCommand",
        "askUser",
    }
    assert "input_schema" in first.body["tools"][0]
    assert anthropic_tool_results(requests[1])["tu_1"]["content"] == "No, stay on React 18."
    listing = anthropic_tool_results(requests[2])["tu_3"]["content"]
    assert "hello.py" in str(listing).splitlines()
    ran = anthropic_tool_results(requests[3])["tu_4"]
    assert ran["content"] == "exit code: 0\n--- stdout ---\nhello\n"
    assert "is_error" not in ran

    json.dumps(result.transcript)  # stored with the run: must be JSON
    roles = [entry["role"] for entry in result.transcript]
    assert roles[:2] == ["system", "user"]
    assert roles.count("assistant") == 4 and roles.count("tool") == 4
    calls = [c for e in result.transcript for c in e.get("tool_calls", [])]
    assert calls[1] == {
        "id": "tu_2",
        "name": "writeFile",
        "arguments": {"path": "hello.py", "content": "print('hello')\n"},
    }
    results = [e["tool_result"] for e in result.transcript if e["role"] == "tool"]
    assert results[0]["content"] == "No, stay on React 18."


async def test_openai_tool_loop_and_price_table_override(
    fake_llm: ScriptedLLMServer, tmp_path: Path, workspace: Path
) -> None:
    settings = settings_for(
        fake_llm,
        tmp_path / "home",
        agents={"openai_model": "my-local-model"},
        llm={"llm_prices": {"my-local-model": ModelPrice(input=1.0, output=2.0)}},
    )
    fake_llm.push(
        openai_completion(
            None,
            [("call_1", "writeFile", {"path": "notes/a.txt", "content": "A"})],
            model="my-local-model",
        ),
        openai_completion(
            None,
            [("call_2", "runCommand", {"command": "cat notes/a.txt; exit 1"})],
            model="my-local-model",
        ),
        openai_completion("All done.", model="my-local-model"),
    )
    result = await get_agent("openai", settings).run(request_for(workspace, model=None))

    assert result.error is None and result.output == "All done."
    assert (workspace / "notes" / "a.txt").read_text() == "A"
    assert result.usage.tool_calls == 2
    assert (result.usage.tokens_in, result.usage.tokens_out) == (300, 60)
    assert result.usage.cost_usd == pytest.approx((300 * 1.0 + 60 * 2.0) / 1_000_000)

    first, second, third = fake_llm.requests
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer test-key"
    assert first.body["model"] == "my-local-model"
    assert first.body["max_tokens"] == 1024
    assert first.body["messages"][0]["role"] == "system"
    assert first.body["tools"][0]["type"] == "function"
    assert "usage" not in first.body  # OpenRouter's extension is not sent to other servers
    tool_message = third.body["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_2"
    assert tool_message["content"].startswith("exit code: 1\n--- stdout ---\nA")
    assert second.body["messages"][-2]["tool_calls"][0]["id"] == "call_1"


async def test_openrouter_cost_reported_by_the_provider_wins(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(
        openai_completion(None, [("c1", "listFiles", {})], cost=0.0012, model="openai/gpt-4o"),
        openai_completion("ok", cost=0.0008, model="openai/gpt-4o"),
    )
    result = await get_agent("openrouter", llm_settings).run(
        request_for(workspace, model="openai/gpt-4o")
    )
    assert result.error is None
    # The table would price gpt-4o at $2.5/$10 per million; the provider's figure is used.
    assert result.usage.cost_usd == pytest.approx(0.002)
    assert fake_llm.requests[0].body["usage"] == {"include": True}
    assert fake_llm.requests[0].body["model"] == "openai/gpt-4o"


async def test_unpriced_model_has_no_cost_rather_than_a_guess(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(openai_completion("hi", model="mystery-model"))
    result = await get_agent("openai", llm_settings).run(
        request_for(workspace, model="mystery-model")
    )
    assert result.error is None
    assert result.usage.cost_usd is None


async def test_iteration_limit_stops_the_loop_with_an_error(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(
        *[anthropic_message("", [(f"tu_{i}", "listFiles", {})]) for i in range(5)],
    )
    result = await get_agent("anthropic", llm_settings).run(
        request_for(workspace, max_iterations=3)
    )
    assert len(fake_llm.requests) == 3
    assert result.error is not None and "iteration limit reached: 3" in result.error
    assert result.usage.tool_calls == 3
    assert result.transcript[-1] == {"role": "event", "content": result.error}


async def test_token_budget_stops_the_loop(
    fake_llm: ScriptedLLMServer, tmp_path: Path, workspace: Path
) -> None:
    settings = settings_for(fake_llm, tmp_path / "home", agents={"agent_token_budget": 250})
    fake_llm.push(
        anthropic_message("", [("tu_1", "listFiles", {})], input_tokens=100, output_tokens=20),
        anthropic_message("", [("tu_2", "listFiles", {})], input_tokens=200, output_tokens=20),
        anthropic_message("never reached"),
    )
    result = await get_agent("anthropic", settings).run(request_for(workspace))
    assert len(fake_llm.requests) == 2
    assert result.error is not None and "token budget exhausted" in result.error


async def test_retries_on_529_and_500_then_succeeds(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(
        anthropic_error(529, "Overloaded", "overloaded_error"),
        anthropic_error(500, "Internal server error"),
        anthropic_error(429, "rate limited", "rate_limit_error", {"retry-after": "0"}),
        anthropic_message("finished"),
    )
    result = await get_agent("anthropic", llm_settings).run(request_for(workspace))
    assert result.error is None and result.output == "finished"
    assert len(fake_llm.requests) == 4


async def test_openai_retries_then_gives_up_with_the_provider_message(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(*[openai_error(503, "upstream unavailable") for _ in range(4)])
    result = await get_agent("openai", llm_settings).run(request_for(workspace))
    assert len(fake_llm.requests) == 1 + llm_settings.llm.llm_max_retries
    assert result.error is not None
    assert "HTTP 503: upstream unavailable" in result.error
    assert "after 4 attempt(s)" in result.error


async def test_openrouter_error_inside_a_200_is_retried(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(
        Reply(200, {"error": {"code": 502, "message": "Provider returned error"}}),
        openai_completion("recovered"),
    )
    result = await get_agent("openrouter", llm_settings).run(request_for(workspace))
    assert result.output == "recovered"
    assert len(fake_llm.requests) == 2


async def test_client_errors_are_not_retried(
    fake_llm: ScriptedLLMServer, tmp_path: Path, workspace: Path
) -> None:
    settings = settings_for(fake_llm, tmp_path / "home", llm={"anthropic_api_key": "wrong-key"})
    result = await get_agent("anthropic", settings).run(request_for(workspace))
    assert len(fake_llm.requests) == 1
    assert result.error is not None and "HTTP 401: invalid x-api-key" in result.error


async def test_network_errors_are_retried_then_reported(tmp_path: Path, workspace: Path) -> None:
    with ScriptedLLMServer() as server:
        settings = settings_for(server, tmp_path / "home", llm={"llm_max_retries": 2})
    # The server is gone: connections are refused on its port.
    result = await get_agent("openai", settings).run(request_for(workspace))
    assert result.error is not None
    assert "network error" in result.error and "after 3 attempt(s)" in result.error


async def test_tool_calls_that_escape_the_workspace_are_refused(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, tmp_path: Path, workspace: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("original")
    (workspace / "escape").symlink_to(outside)
    attempts = [
        ("e1", "writeFile", {"path": "../outside/victim.txt", "content": "pwned"}),
        ("e2", "writeFile", {"path": str(outside / "victim.txt"), "content": "pwned"}),
        ("e3", "writeFile", {"path": "escape/victim.txt", "content": "pwned"}),
        ("e4", "writeFile", {"path": "escape/new.txt", "content": "pwned"}),
        ("e5", "readFile", {"path": "../outside/victim.txt"}),
        ("e6", "listFiles", {"path": "escape"}),
        ("e7", "runCommand", {"command": "touch pwned", "cwd": "../outside"}),
    ]
    fake_llm.push(
        openai_completion(None, attempts),
        openai_completion(None, [("e8", "writeFile", "{not json")]),
        openai_completion("gave up"),
    )
    result = await get_agent("openai", llm_settings).run(request_for(workspace))

    assert result.error is None and result.output == "gave up"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    assert (outside / "victim.txt").read_text() == "original"
    tool_messages = [m for m in fake_llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == len(attempts)
    for message in tool_messages:
        assert message["content"].startswith("ERROR: ")
        assert "outside the workspace" in message["content"] or "absolute" in message["content"]
    garbled = fake_llm.requests[2].body["messages"][-1]
    assert garbled["content"].startswith("ERROR: writeFile: arguments are not valid JSON")
    recorded = [e["tool_result"] for e in result.transcript if e["role"] == "tool"]
    assert all(r["isError"] for r in recorded)


async def test_anthropic_error_results_are_flagged(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(
        anthropic_message("", [("tu_1", "readFile", {"path": "/etc/passwd"})]),
        anthropic_message("ok"),
    )
    await get_agent("anthropic", llm_settings).run(request_for(workspace))
    block = anthropic_tool_results(fake_llm.requests[1])["tu_1"]
    assert block["is_error"] is True
    assert "absolute" in str(block["content"])


async def test_agent_timeout_returns_what_was_done_and_kills_the_command(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    fake_llm.push(
        anthropic_message(
            "",
            [("tu_1", "runCommand", {"command": "sleep 300 & echo $! > bg.pid; wait"})],
            input_tokens=123,
        )
    )
    started = time.monotonic()
    result = await get_agent("anthropic", llm_settings).run(request_for(workspace, timeout_s=1.0))
    assert time.monotonic() - started < 10
    assert result.error == "timed out after 1 s"
    assert result.usage.tokens_in == 123 and result.usage.tool_calls == 1
    assert result.transcript[-1] == {"role": "event", "content": "timed out after 1 s"}
    child = int((workspace / "bg.pid").read_text())
    assert wait_gone(child)


async def test_tool_calls_without_ids_get_ids_both_ways(
    fake_llm: ScriptedLLMServer, llm_settings: Settings, workspace: Path
) -> None:
    """Older Ollama sends tool calls without ids; results must still pair with calls."""
    no_id = openai_completion(None, [("", "listFiles", {})])
    assert isinstance(no_id.body, dict)
    del no_id.body["choices"][0]["message"]["tool_calls"][0]["id"]
    fake_llm.push(no_id, openai_completion("ok"))
    result = await get_agent("openai", llm_settings).run(request_for(workspace))
    assert result.error is None, result.error
    messages = fake_llm.requests[1].body["messages"]
    assert messages[-2]["tool_calls"][0]["id"] == "call_0"
    assert messages[-1]["tool_call_id"] == "call_0"
