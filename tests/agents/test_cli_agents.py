"""claude-code and the generic command agent, run against a fake CLI script."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from fakes.support import FAKE_CLAUDE_SCRIPT
from harness_support import wait_gone
from zebench.agents.base import AgentRequest
from zebench.agents.claude_code import ARGV_PROMPT_LIMIT
from zebench.agents.registry import get_agent
from zebench.config import Settings
from zebench.errors import UserError

pytest_plugins = ["fakes.fixtures"]  # provides fake_claude


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


@pytest.fixture
def argv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "argv.json"
    monkeypatch.setenv("FAKE_CLAUDE_ARGV", str(path))
    return path


def claude_settings(binary: Path | str, tmp_path: Path, **extra: object) -> Settings:
    return Settings(home=tmp_path / "home", **extra, agents={"claude_code_binary": str(binary)})  # type: ignore[arg-type]


async def test_claude_code_runs_in_the_workspace_and_reports_usage(
    fake_claude: Path, workspace: Path, argv_file: Path, tmp_path: Path
) -> None:
    agent = get_agent("claude-code", claude_settings(fake_claude, tmp_path))
    result = await agent.run(
        AgentRequest(prompt="Update deps.", workspace=workspace, model="claude-sonnet-4-20250514")
    )
    assert result.error is None
    assert (workspace / "CLAUDE_WAS_HERE.txt").read_text() == "Update deps."
    assert result.output == "Updated the dependencies and ran the tests."
    assert result.usage.cost_usd == pytest.approx(0.0734)
    assert result.usage.tokens_in == 41 + 5120 + 20480
    assert result.usage.tokens_out == 1337
    assert result.usage.tool_calls == 5  # num_turns 6: five turns answered tool results
    assert result.model == "claude-sonnet-4-20250514"
    sent = json.loads(argv_file.read_text())
    assert sent["argv"] == [
        "-p",
        "Update deps.",
        "--output-format",
        "json",
        "--permission-mode",
        "acceptEdits",
        "--model",
        "claude-sonnet-4-20250514",
    ]
    assert Path(sent["cwd"]) == workspace.resolve()
    process = result.transcript[2]
    assert process["role"] == "process" and process["exitCode"] == 0
    assert process["argv"][2] == "<prompt>"
    assert process["report"]["session_id"]
    json.dumps(result.transcript)


async def test_long_prompts_go_through_stdin(
    fake_claude: Path, workspace: Path, argv_file: Path, tmp_path: Path
) -> None:
    prompt = "x" * (ARGV_PROMPT_LIMIT + 10)
    agent = get_agent("claude-code", claude_settings(fake_claude, tmp_path))
    result = await agent.run(AgentRequest(prompt=prompt, workspace=workspace))
    assert result.error is None
    sent = json.loads(argv_file.read_text())
    assert sent["argv"][:2] == ["-p", "--output-format"]
    assert sent["stdin"] == prompt
    assert (workspace / "CLAUDE_WAS_HERE.txt").read_text() == prompt


async def test_missing_binary_is_an_agent_error_not_a_crash(
    workspace: Path, tmp_path: Path
) -> None:
    agent = get_agent("claude-code", claude_settings(tmp_path / "no-such-claude", tmp_path))
    result = await agent.run(AgentRequest(prompt="p", workspace=workspace))
    assert result.error is not None
    assert "cannot start" in result.error and "ZEBENCH_CLAUDE_CODE_BINARY" in result.error


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            "error",
            "claude-code: error_max_turns: Reached maximum number of turns (5) (exit code 1)",
        ),
        ("crash", "exited with code 3: fatal: could not reach the model"),
    ],
)
async def test_cli_failures_are_reported(
    fake_claude: Path,
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    expected: str,
) -> None:
    monkeypatch.setenv("FAKE_CLAUDE_MODE", mode)
    result = await get_agent("claude-code", claude_settings(fake_claude, tmp_path)).run(
        AgentRequest(prompt="p", workspace=workspace)
    )
    assert result.error is not None and expected in result.error
    if mode == "error":
        # The JSON still says what the run cost.
        assert result.usage.cost_usd == pytest.approx(0.0734)


async def test_timeout_kills_the_cli_and_its_children(
    fake_claude: Path, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("FAKE_CLAUDE_MODE", "hang")
    monkeypatch.setenv("FAKE_CLAUDE_PIDS", str(pids_file))
    agent = get_agent("claude-code", claude_settings(fake_claude, tmp_path))
    started = time.monotonic()
    result = await agent.run(AgentRequest(prompt="p", workspace=workspace, timeout_s=1.5))
    assert time.monotonic() - started < 15
    assert result.error is not None and "timed out" in result.error
    pids = [int(p) for p in pids_file.read_text().split()]
    assert len(pids) == 2
    assert wait_gone(*pids)


async def test_command_agent_with_prompt_placeholder(
    workspace: Path, argv_file: Path, tmp_path: Path
) -> None:
    template = f"{sys.executable} {FAKE_CLAUDE_SCRIPT} -p {{prompt}} --model={{model}}"
    settings = Settings(home=tmp_path / "home", agents={"agent_command": template})
    prompt = "Fix it; rm -rf / $(whoami) {model}"
    result = await get_agent("command", settings).run(
        AgentRequest(prompt=prompt, workspace=workspace, model="m1")
    )
    assert result.error is None
    sent = json.loads(argv_file.read_text())
    # No shell: the prompt arrives as one argument, exactly as written.
    assert sent["argv"] == ["-p", prompt, "--model=m1"]
    assert result.usage.cost_usd == pytest.approx(0.0734)
    assert result.usage.tokens_out == 1337


async def test_command_agent_without_placeholder_reads_stdin(
    workspace: Path, argv_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CLAUDE_MODE", "plain")
    settings = Settings(
        home=tmp_path / "home", agents={"agent_command": f"{sys.executable} {FAKE_CLAUDE_SCRIPT}"}
    )
    result = await get_agent("command", settings).run(
        AgentRequest(prompt="from stdin", workspace=workspace)
    )
    assert result.error is None
    assert json.loads(argv_file.read_text())["stdin"] == "from stdin"
    assert result.output == "I changed some files.\n"
    assert result.usage.cost_usd is None and result.usage.tokens_in == 0


async def test_command_agent_parses_openai_style_usage(workspace: Path, tmp_path: Path) -> None:
    script = tmp_path / "tool.py"
    script.write_text(
        "import json\n"
        'print("working...")\n'
        'print(json.dumps({"output": "done", "usage": {"prompt_tokens": 7, '
        '"completion_tokens": 3}, "cost": 0.5, "tool_calls": 2}))\n'
    )
    settings = Settings(
        home=tmp_path / "home", agents={"agent_command": f"{sys.executable} {script}"}
    )
    result = await get_agent("command", settings).run(AgentRequest(prompt="p", workspace=workspace))
    assert result.output == "done"
    usage = result.usage
    assert (usage.tokens_in, usage.tokens_out, usage.cost_usd, usage.tool_calls) == (7, 3, 0.5, 2)


def test_command_agent_needs_a_template(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="ZEBENCH_AGENT_COMMAND"):
        get_agent("command", Settings(home=tmp_path, agents={"agent_command": None}))
    with pytest.raises(UserError, match="cannot be parsed"):
        get_agent("command", Settings(home=tmp_path, agents={"agent_command": "tool 'unclosed"}))


def test_fake_claude_is_executable(fake_claude: Path) -> None:
    assert os.access(fake_claude, os.X_OK)
