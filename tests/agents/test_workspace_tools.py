"""The tools an LLM agent gets, confined to the workspace, and their process handling."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from harness_support import wait_gone
from zebench.agents.oracle import DEFAULT_ANSWER, answer_question
from zebench.agents.workspace_tools import WorkspaceTools, tool_env
from zebench.sandbox.paths import PathOutsideWorkspace, resolve_in_workspace


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace and, beside it, an outside directory with a secret file."""
    workspace = tmp_path / "ws"
    outside = tmp_path / "outside"
    (workspace / "src").mkdir(parents=True)
    outside.mkdir()
    (workspace / "src" / "app.py").write_text("print('hi')\n")
    (outside / "secret.txt").write_text("top secret\n")
    (workspace / "link-out").symlink_to(outside)
    (workspace / "secret-link.txt").symlink_to(outside / "secret.txt")
    (workspace / "dangling").symlink_to(outside / "not-yet.txt")
    return workspace, outside


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


ESCAPES = [
    "../outside/secret.txt",
    "src/../../outside/secret.txt",
    "/etc/passwd",
    "~/x",
    "link-out/secret.txt",
    "secret-link.txt",
    "dangling",
]


@pytest.mark.parametrize("raw", ESCAPES)
def test_paths_escaping_the_workspace_are_refused(layout: tuple[Path, Path], raw: str) -> None:
    workspace, _ = layout
    with pytest.raises(PathOutsideWorkspace):
        resolve_in_workspace(workspace, raw)


def test_paths_inside_are_resolved(layout: tuple[Path, Path]) -> None:
    workspace, _ = layout
    assert (
        resolve_in_workspace(workspace, "src/../src/app.py")
        == (workspace / "src" / "app.py").resolve()
    )
    assert resolve_in_workspace(workspace, ".") == workspace.resolve()


@pytest.mark.parametrize("raw", ESCAPES)
async def test_every_tool_refuses_escapes_and_leaves_outside_untouched(
    layout: tuple[Path, Path], raw: str
) -> None:
    workspace, outside = layout
    before = snapshot(outside)
    tools = WorkspaceTools(workspace, {})
    calls = [
        ("readFile", {"path": raw}),
        ("writeFile", {"path": raw, "content": "pwned"}),
        ("listFiles", {"path": raw}),
        ("runCommand", {"command": "echo pwned > pwned.txt", "cwd": raw}),
    ]
    for name, arguments in calls:
        outcome = await tools.call(name, arguments)
        assert outcome.is_error, (name, outcome.content)
        assert "outside the workspace" in outcome.content or "absolute" in outcome.content
    assert snapshot(outside) == before
    assert not (outside / "not-yet.txt").exists()
    assert "pwned" not in (outside / "secret.txt").read_text()


async def test_read_write_list(layout: tuple[Path, Path]) -> None:
    workspace, _ = layout
    tools = WorkspaceTools(workspace, {})
    wrote = await tools.call("writeFile", {"path": "new/dir/file.txt", "content": "héllo"})
    assert not wrote.is_error and "new/dir/file.txt" in wrote.content
    assert (workspace / "new/dir/file.txt").read_text() == "héllo"
    read = await tools.call("readFile", {"path": "new/dir/file.txt"})
    assert read.content == "héllo"
    listed = await tools.call("listFiles", {})
    assert listed.content.splitlines() == sorted(
        ["dangling@", "link-out@", "new/", "secret-link.txt@", "src/"]
    )
    tree = await tools.call("listFiles", {"path": ".", "recursive": True})
    assert "new/dir/file.txt" in tree.content.splitlines()
    assert "src/app.py" in tree.content.splitlines()
    assert "link-out/secret.txt" not in tree.content  # symlinked directories are not followed


async def test_bad_arguments_and_unknown_tools_are_errors_not_exceptions(
    layout: tuple[Path, Path],
) -> None:
    workspace, _ = layout
    tools = WorkspaceTools(workspace, {})
    cases = [
        ("readFile", {}),
        ("readFile", {"path": 42}),
        ("readFile", {"path": "missing.txt"}),
        ("readFile", {"path": "src"}),
        ("writeFile", {"path": "x.txt"}),
        ("writeFile", {"path": "src", "content": "x"}),
        ("listFiles", {"path": "src/app.py"}),
        ("runCommand", {}),
        ("askUser", {"question": ""}),
        ("deleteEverything", {}),
    ]
    for name, arguments in cases:
        outcome = await tools.call(name, arguments)
        assert outcome.is_error, (name, arguments, outcome)
    garbled = await tools.call("readFile", {}, arguments_error="arguments are not valid JSON")
    assert garbled.is_error and "not valid JSON" in garbled.content


async def test_run_command_reports_exit_code_and_output(layout: tuple[Path, Path]) -> None:
    workspace, _ = layout
    tools = WorkspaceTools(workspace, {})
    outcome = await tools.call("runCommand", {"command": "pwd; echo oops >&2; exit 3"})
    assert not outcome.is_error
    assert outcome.content.startswith("exit code: 3")
    assert str(workspace.resolve()) in outcome.content
    assert "--- stderr ---\noops" in outcome.content
    in_src = await tools.call("runCommand", {"command": "ls", "cwd": "src"})
    assert "app.py" in in_src.content


async def test_run_command_output_is_truncated(layout: tuple[Path, Path]) -> None:
    workspace, _ = layout
    tools = WorkspaceTools(workspace, {}, output_limit=1000)
    outcome = await tools.call("runCommand", {"command": "seq 1 100000"})
    assert len(outcome.content) < 3000
    assert outcome.content.rstrip().endswith("100000")
    assert "omitted" in outcome.content


async def test_run_command_timeout_kills_the_whole_process_group(
    layout: tuple[Path, Path],
) -> None:
    workspace, _ = layout
    tools = WorkspaceTools(workspace, {}, command_timeout_s=1.0)
    command = "sleep 300 & echo $! > child.pid; echo started; wait"
    started = time.monotonic()
    outcome = await tools.call("runCommand", {"command": command})
    assert time.monotonic() - started < 10
    assert outcome.is_error and "timed out after 1 s" in outcome.content
    assert "started" in outcome.content
    child = int((workspace / "child.pid").read_text())
    assert wait_gone(child)


async def test_background_processes_do_not_outlive_the_command(
    layout: tuple[Path, Path],
) -> None:
    workspace, _ = layout
    tools = WorkspaceTools(workspace, {}, command_timeout_s=30.0)
    outcome = await tools.call(
        "runCommand", {"command": "sleep 300 > /dev/null 2>&1 & echo $! > bg.pid; echo done"}
    )
    assert outcome.content.startswith("exit code: 0")
    background = int((workspace / "bg.pid").read_text())
    assert wait_gone(background)


def test_commands_do_not_see_credentials() -> None:
    env = tool_env(
        {"PATH": "/bin", "ANTHROPIC_API_KEY": "a", "OPENROUTER_API_KEY": "b", "GH_TOKEN": "c"}
    )
    assert env == {"PATH": "/bin"}


async def test_run_command_environment_is_scrubbed(
    layout: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, _ = layout
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-should-not-leak")
    outcome = await WorkspaceTools(workspace, {}).call("runCommand", {"command": "env"})
    assert "sk-should-not-leak" not in outcome.content
    assert "PATH=" in outcome.content


ORACLE = {
    "assume_risk_for_major_bumps": "Yes, runtime deps only.",
    "should i update to react 19": "No, stay on React 18.",
    "test_command_customization": "Use defaults in scenario.yaml",
}


@pytest.mark.parametrize(
    ("question", "answer", "how"),
    [
        ("should i update to react 19", "No, stay on React 18.", "exact"),
        ("Should I update to React 19?", "No, stay on React 18.", "exact"),
        ("Should I update React to version 19?", "No, stay on React 18.", "fuzzy"),
        (
            "Do you want me to assume the risk for major version bumps?",
            "Yes, runtime deps only.",
            "fuzzy",
        ),
        ("assume risk for major bumps", "Yes, runtime deps only.", "exact"),
        ("What colour should the logo be?", DEFAULT_ANSWER, "default"),
    ],
)
def test_oracle_answers_exact_then_fuzzy_then_default(question: str, answer: str, how: str) -> None:
    found = answer_question(ORACLE, question)
    assert (found.answer, found.how) == (answer, how)


async def test_ask_user_tool_answers_from_the_oracle(layout: tuple[Path, Path]) -> None:
    workspace, _ = layout
    tools = WorkspaceTools(workspace, ORACLE)
    outcome = await tools.call("askUser", {"question": "Should I update React to 19?"})
    assert outcome.content == "No, stay on React 18."
    fallback = await tools.call("askUser", {"question": "Tabs or spaces?"})
    assert fallback.content == DEFAULT_ANSWER


def test_cancelled_command_kills_its_group(layout: tuple[Path, Path]) -> None:
    """The harness cancels an agent on timeout: the command's group must die with it."""
    workspace, _ = layout
    tools = WorkspaceTools(workspace, {}, command_timeout_s=300.0)

    async def scenario() -> None:
        command = "sleep 300 & echo $! > child.pid; wait"
        task = asyncio.create_task(tools.call("runCommand", {"command": command}))
        deadline = time.monotonic() + 10
        while not (workspace / "child.pid").exists() or not (workspace / "child.pid").read_text():
            assert time.monotonic() < deadline, "the command never started"
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    child = int((workspace / "child.pid").read_text())
    assert wait_gone(child)
