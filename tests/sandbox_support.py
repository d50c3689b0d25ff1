"""A real bubblewrap sandbox over a fake machine: a home with a secret, a zebench home
with a database, another run's workspace, and the three routes a run's commands take
(an agent's runCommand tool, a CLI agent, a scenario command)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from zebench.agents.base import AgentRequest
from zebench.agents.command import CommandAgent
from zebench.agents.workspace_tools import WorkspaceTools
from zebench.sandbox import Limits, Network, Sandbox, SandboxConfig, get_provider
from zebench.workspace.commands import run_command

SECRET = "s3cr3t-value-of-the-fake-home"

needs_bwrap = pytest.mark.skipif(
    get_provider("bubblewrap").unavailable(SandboxConfig()) is not None,
    reason="bubblewrap cannot make a sandbox on this machine",
)


@dataclass
class FakeMachine:
    root: Path
    home: Path
    zebench_home: Path
    database: Path
    workspaces: Path
    other_workspace: Path
    workspace: Path

    def config(self, network: Network = "none", limits: Limits | None = None) -> SandboxConfig:
        return SandboxConfig(
            provider="bubblewrap",
            network=network,
            limits=limits or Limits(),
            hidden=(self.home, self.zebench_home, self.workspaces),
        )


def fake_machine(root: Path) -> FakeMachine:
    home = root / "home" / "alice"
    (home / ".ssh").mkdir(parents=True)
    (home / "secret.txt").write_text(SECRET)
    zebench_home = root / "zebench-home"
    workspaces = zebench_home / "workspaces"
    other = workspaces / "other-run"
    other.mkdir(parents=True)
    (other / "answer.txt").write_text("another run's work")
    database = zebench_home / "zebench.db"
    database.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    workspace = workspaces / "this-run"
    workspace.mkdir()
    (workspace / "app.py").write_text("print('hello')\n")
    return FakeMachine(root, home, zebench_home, database, workspaces, other, workspace)


Route = Callable[[Sandbox, str, float], Awaitable[str]]
"""Run a shell command through one route; what came back (output and errors)."""


async def via_tool(sandbox: Sandbox, command: str, timeout_s: float) -> str:
    tools = WorkspaceTools(sandbox.workspace, {}, command_timeout_s=timeout_s, sandbox=sandbox)
    outcome = await tools.call("runCommand", {"command": command})
    return outcome.content


async def via_cli_agent(sandbox: Sandbox, command: str, timeout_s: float) -> str:
    agent = CommandAgent(f"sh -c {_quote(command)}")
    request = AgentRequest(
        prompt="do it", workspace=sandbox.workspace, timeout_s=timeout_s, sandbox=sandbox
    )
    result = await agent.run(request)
    process = result.transcript[2]
    return f"{result.output}\n{process['stderr']}\n{result.error or ''}"


async def via_scenario_command(sandbox: Sandbox, command: str, timeout_s: float) -> str:
    result = await run_command(command, cwd=sandbox.workspace, timeout_s=timeout_s, sandbox=sandbox)
    return f"{result.output_tail}\n{result.error or ''}"


ROUTES: dict[str, Route] = {
    "tool": via_tool,
    "cli-agent": via_cli_agent,
    "validation": via_scenario_command,
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def snapshot(root: Path, *skip: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` but those in ``skip``, with file contents (None for others)."""
    found: dict[str, bytes | None] = {}
    for current, dirs, files in os.walk(root):
        base = Path(current)
        dirs[:] = [d for d in dirs if base / d not in skip]
        for name in dirs + files:
            path = base / name
            key = path.relative_to(root).as_posix()
            found[key] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return found


def processes_with(token: str) -> list[int]:
    """Host processes whose command line contains ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(entry.name))
    return found


def none_left(token: str, within_s: float = 5.0) -> bool:
    """True once no host process carries ``token``; a killed process takes a moment to
    leave /proc (the same bounded wait as ``harness_support.wait_gone``)."""
    deadline = time.monotonic() + within_s
    while processes_with(token):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def have(program: str) -> bool:
    return shutil.which(program) is not None
