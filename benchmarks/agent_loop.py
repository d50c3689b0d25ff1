"""Prints what the agent tool loop and the judge parser cost us, apart from the model.

The anthropic and openai agents run a scripted 20-call tool loop (listFiles and
writeFile calls) against the local fake provider from tests/fakes on loopback, so
the figure is our overhead per model call: request building, HTTP on loopback, reply
parsing, tool dispatch, transcript. Then the judge's reply parser on typical replies.

    .venv/bin/python benchmarks/agent_loop.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.llm_server import ScriptedLLMServer, anthropic_message, openai_completion
from fakes.support import settings_for
from zebench.agents.base import AgentRequest
from zebench.agents.registry import get_agent
from zebench.evaluators.judge_prompt import parse_categories
from zebench.evaluators.judge_reply import score_reply

CALLS = 20
ROUNDS = 5


def _script(server: ScriptedLLMServer, wire: str) -> None:
    for i in range(CALLS - 1):
        call = (
            ("writeFile", {"path": f"f{i}.txt", "content": "x" * 200})
            if i % 2
            else (
                "listFiles",
                {},
            )
        )
        if wire == "anthropic":
            server.push(anthropic_message("", [(f"t{i}", *call)]))
        else:
            server.push(openai_completion(None, [(f"t{i}", *call)]))
    server.push(anthropic_message("done") if wire == "anthropic" else openai_completion("done"))


async def _loop_ms_per_call(agent_name: str, wire: str) -> float:
    samples = []
    with ScriptedLLMServer() as server, tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(server, Path(tmp) / "home")
        agent = get_agent(agent_name, settings)
        for round_ in range(ROUNDS):
            workspace = Path(tmp) / f"ws{round_}"
            workspace.mkdir()
            _script(server, wire)
            started = time.perf_counter()
            result = await agent.run(
                AgentRequest(prompt="go", workspace=workspace, model="m", max_iterations=CALLS)
            )
            samples.append((time.perf_counter() - started) * 1000 / CALLS)
            assert result.error is None, result.error
    return statistics.median(samples)


def _judge_parse_us() -> float:
    categories = parse_categories(
        [f"Category {i} ({w}%): text" for i, w in enumerate([40, 30, 30])]
    )
    scores = {"scores": [{"category": f"Category {i}", "score": "4/5"} for i in range(3)]}
    replies = [
        json.dumps(scores),
        "Here you go:\n```json\n" + json.dumps(scores, indent=2) + "\n```\nThanks.",
        "\n".join(f"- **Category {i}**: 4/5 - fine" for i in range(3)),
    ]
    n = 2000
    started = time.perf_counter()
    for i in range(n):
        assert score_reply(replies[i % 3], categories).error is None
    return (time.perf_counter() - started) * 1e6 / n


async def main() -> None:
    for agent_name, wire in (("anthropic", "anthropic"), ("openai", "openai")):
        ms = await _loop_ms_per_call(agent_name, wire)
        print(f"{agent_name:10s} tool loop overhead per model call: {ms:.2f} ms (median)")
    print(f"judge reply parsing: {_judge_parse_us():.0f} µs per reply (JSON, fenced, markdown)")


if __name__ == "__main__":
    asyncio.run(main())
