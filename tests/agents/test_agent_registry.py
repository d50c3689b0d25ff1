"""The agent registry, and the two agents that need no model: echo and reference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zebench.agents.base import Agent, AgentRequest
from zebench.agents.registry import agent_names, get_agent
from zebench.config import Settings
from zebench.errors import UserError

BUILTINS = ["echo", "reference", "anthropic", "openai", "openrouter", "claude-code", "command"]


def keyless(tmp_path: Path) -> Settings:
    """Settings on the public provider URLs with no keys (as on a fresh machine)."""
    return Settings(
        home=tmp_path,
        llm={
            "anthropic_api_key": None,
            "openai_api_key": None,
            "openrouter_api_key": None,
            "anthropic_base_url": "https://api.anthropic.com",
            "openai_base_url": "https://api.openai.com/v1",
            "openrouter_base_url": "https://openrouter.ai/api/v1",
        },
    )


def test_builtin_names_come_first() -> None:
    assert agent_names()[: len(BUILTINS)] == BUILTINS


def test_unknown_agent_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        get_agent("gpt-99", keyless(tmp_path))
    message = str(caught.value)
    assert "unknown agent 'gpt-99'" in message
    for name in BUILTINS:
        assert name in message


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("anthropic", "ANTHROPIC_API_KEY"),
        ("openai", "OPENAI_API_KEY"),
        ("openrouter", "OPENROUTER_API_KEY"),
    ],
)
def test_missing_key_fails_fast_with_the_variable_name(
    tmp_path: Path, name: str, variable: str
) -> None:
    with pytest.raises(UserError, match=variable):
        get_agent(name, keyless(tmp_path))


def test_local_endpoints_need_no_key(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, llm={"openai_api_key": None, "openai_base_url": "http://127.0.0.1:1/v1"}
    )
    agent = get_agent("openai", settings)
    assert isinstance(agent, Agent) and agent.name == "openai"


def test_every_builtin_builds_when_configured(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        llm={"anthropic_api_key": "k", "openai_api_key": "k", "openrouter_api_key": "k"},
        agents={"agent_command": "tool {prompt}"},
    )
    for name in BUILTINS:
        agent = get_agent(name, settings)
        assert isinstance(agent, Agent)
        assert agent.name == name


def _install_plugin(site: Path, module: str, body: str, name: str) -> None:
    (site / f"{module}.py").write_text(body)
    dist = site / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[zebench.agents]\n{name} = {module}:create\n")


PLUGIN = """
from zebench.agents.base import AgentResult

class Shouter:
    name = "shout"

    async def run(self, request):
        return AgentResult(output=request.prompt.upper())

def create(settings):
    return Shouter()
"""


async def test_third_party_agents_come_from_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install_plugin(site, "zebench_shout_plugin", PLUGIN, "shout")
    _install_plugin(site, "zebench_broken_plugin", "raise RuntimeError('boom')\n", "broken")
    _install_plugin(site, "zebench_hijack_plugin", PLUGIN, "echo")
    monkeypatch.syspath_prepend(str(site))

    assert agent_names()[-2:] == ["broken", "shout"]
    shout = get_agent("shout", keyless(tmp_path))
    result = await shout.run(AgentRequest(prompt="hi", workspace=tmp_path))
    assert result.output == "HI"
    with pytest.raises(UserError, match="failed to load: RuntimeError: boom"):
        get_agent("broken", keyless(tmp_path))
    # A plugin cannot replace a built-in.
    assert get_agent("echo", keyless(tmp_path)).__class__.__module__ == "zebench.agents.echo"


async def test_echo_returns_the_prompt_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    result = await get_agent("echo", keyless(tmp_path)).run(
        AgentRequest(prompt="Do things.", workspace=tmp_path)
    )
    assert result.output == "Do things." and result.error is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


async def test_reference_applies_the_solution_over_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (workspace / "keep.txt").write_text("untouched")
    solution = tmp_path / "solution"
    (solution / "src").mkdir(parents=True)
    (solution / "src" / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (solution / "docs").mkdir()
    (solution / "docs" / "NOTES.md").write_text("fixed")

    result = await get_agent("reference", keyless(tmp_path)).run(
        AgentRequest(prompt="fix", workspace=workspace, reference_path=solution)
    )
    assert result.error is None
    assert (workspace / "src" / "calc.py").read_text().endswith("a + b\n")
    assert (workspace / "docs" / "NOTES.md").read_text() == "fixed"
    assert (workspace / "keep.txt").read_text() == "untouched"
    assert result.transcript[-1]["files"] == ["docs/NOTES.md", "src/calc.py"]


async def test_reference_without_a_solution_is_an_error(tmp_path: Path) -> None:
    agent = get_agent("reference", keyless(tmp_path))
    missing = await agent.run(AgentRequest(prompt="p", workspace=tmp_path))
    assert missing.error == "the scenario has no reference_path solution"
    not_dir = await agent.run(
        AgentRequest(prompt="p", workspace=tmp_path, reference_path=tmp_path / "nope")
    )
    assert not_dir.error is not None and "is not a directory" in not_dir.error


def test_registry_import_stays_light() -> None:
    """Listing agents must not import httpx or the agent modules (fast CLI start-up)."""
    code = (
        "import sys\n"
        "from zebench.agents.registry import agent_names\n"
        "agent_names()\n"
        "heavy = [m for m in ('httpx', 'zebench.agents.anthropic', 'zebench.llm.anthropic') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
