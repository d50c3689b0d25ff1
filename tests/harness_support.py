"""Helpers for the harness, suite and delivery tests: paths, agents made for tests, the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zebench.agents.base import AgentRequest, AgentResult, Usage

REFERENCE_SUITES = Path(__file__).resolve().parent / "fixtures" / "suites"
"""The two suites of the original ze-benchmarks, unchanged (MIT, see LICENSE-ze-benchmarks)."""
ZEBENCH = str(Path(sys.executable).with_name("zebench"))


_PROVIDER_KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENROUTER_API_KEY")


def offline_settings(home: Path, **overrides: Any) -> Any:
    """Settings under ``home`` with no provider key, whatever the shell has: a test never
    reaches a real LLM (an enabled judge without a key is simply not asked)."""
    from settings_support import settings_with

    values: dict[str, Any] = {
        "home": home,
        "llm": {"anthropic_api_key": None, "openai_api_key": None, "openrouter_api_key": None},
        "judge": {"judge_api_key": None},
        "delivery": {"worker_url": None},
    }
    return settings_with(values, overrides)


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for ``zebench`` subprocesses: its own home, no inherited targets or keys."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZEBENCH_", "ZE_BENCHMARKS_")) and k not in _PROVIDER_KEYS
    }
    env["ZEBENCH_HOME"] = str(home)
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def zebench(args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> Any:
    return subprocess.run(
        [ZEBENCH, *args], env=dict(env), cwd=cwd, capture_output=True, text=True, check=False
    )


def pid_running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone, even between open and read
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(*pids: int, within_s: float = 5.0) -> bool:
    """True once none of ``pids`` runs; False if one still does after ``within_s``
    (a killed process takes a moment to end)."""
    deadline = time.monotonic() + within_s
    while any(pid_running(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class WritingAgent:
    """Writes the given files into the workspace and reports usage, like a real agent."""

    name = "writer"

    def __init__(self, files: Mapping[str, str], usage: Usage | None = None) -> None:
        self.files = dict(files)
        self.usage = usage or Usage(tokens_in=120, tokens_out=30, cost_usd=0.002, tool_calls=2)

    async def run(self, request: AgentRequest) -> AgentResult:
        for rel, text in self.files.items():
            path = request.workspace / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return AgentResult(
            output="done",
            usage=self.usage,
            transcript=[
                {"role": "user", "content": request.prompt},
                {
                    "role": "assistant",
                    "content": "writing",
                    "tool_calls": [
                        {"id": f"c{i}", "name": "writeFile", "arguments": {"path": rel}}
                        for i, rel in enumerate(self.files)
                    ],
                },
            ],
        )


class CrashingAgent:
    name = "crasher"

    async def run(self, request: AgentRequest) -> AgentResult:
        raise RuntimeError("the model endpoint exploded")


class SleepingAgent:
    """Never finishes on its own: for the harness's time limit."""

    name = "sleeper"

    def __init__(self) -> None:
        self.cancelled = False

    async def run(self, request: AgentRequest) -> AgentResult:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


def make_scenario(root: Path, scenario: dict[str, Any], files: Mapping[str, str]) -> Path:
    """A one-scenario suite ``s`` with scenario ``x`` (tier L1) whose fixture holds ``files``."""
    import yaml

    suite = root / "s"
    scenario_dir = suite / "scenarios" / "x"
    fixture = scenario_dir / "repo-fixture"
    fixture.mkdir(parents=True)
    for rel, text in files.items():
        (fixture / rel).parent.mkdir(parents=True, exist_ok=True)
        (fixture / rel).write_text(text)
    (scenario_dir / "scenario.yaml").write_text(
        yaml.safe_dump({"id": "x", "suite": "s", **scenario})
    )
    (suite / "prompts" / "x").mkdir(parents=True)
    (suite / "prompts" / "x" / "L1-basic.md").write_text("Do the task.")
    return suite


def make_context(
    root: Path,
    scenario: dict[str, Any],
    fixture: Mapping[str, str],
    *,
    workspace_files: Mapping[str, str] | None = None,
    transcript: list[dict[str, Any]] | None = None,
    validation: Mapping[str, Any] | None = None,
    baseline: list[Any] | None = None,
    settings: Any = None,
) -> Any:
    """A ``RunContext`` for evaluator tests: the fixture copied, ``workspace_files`` written."""
    from zebench.evaluators.base import RunContext
    from zebench.harness.workspace import create_workspace
    from zebench.suites import load_scenario
    from zebench.workspace.diff import diff_workspace

    loaded = load_scenario(make_scenario(root, scenario, fixture), "x")
    workspace = create_workspace(root / "ws", "x", loaded.fixture_dir)
    for rel, text in (workspace_files or {}).items():
        (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
        (workspace / rel).write_text(text)
    return RunContext(
        loaded=loaded,
        tier="L1",
        agent="writer",
        model=None,
        prompt="Do the task.",
        workspace=workspace,
        settings=settings or offline_settings(root / "home"),
        agent_result=AgentResult(output="done", transcript=transcript or []),
        diff=diff_workspace(loaded.fixture_dir, workspace),
        baseline=list(baseline or []),
        validation=dict(validation or {}),
    )


def path_without(root: Path, *programs: str) -> str:
    """A PATH finding every program the current PATH finds except ``programs``: one
    directory of links, so a test of "tool missing" holds whether or not the host
    has the tool installed."""
    bin_dir = root / "bin-without"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for directory in reversed(os.environ.get("PATH", os.defpath).split(os.pathsep)):
        folder = Path(directory)
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.name in programs:
                continue
            link = bin_dir / entry.name
            if link.is_symlink():
                link.unlink()  # earlier PATH entries win, as in a shell
            link.symlink_to(entry)
    return str(bin_dir)
