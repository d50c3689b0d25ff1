"""The tools an LLM agent gets: readFile, writeFile, listFiles, runCommand, askUser.

Every path is confined to the workspace (see ``zebench.sandbox.paths``), and commands
run in the run's sandbox. A tool never raises:
whatever goes wrong (bad arguments, a path outside, a missing file, a command that
times out) comes back to the model as an error result, so one bad call cannot end
the run. Commands run with the workspace as working directory and without the
provider keys in their environment (the sandbox's allow-list), so a model cannot
print our own credentials.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zebench.agents.oracle import answer_question
from zebench.llm.chat import ToolSpec
from zebench.sandbox import Sandbox
from zebench.sandbox.paths import PathOutsideWorkspace, display_path, resolve_in_workspace
from zebench.sandbox.process import ProcessOutcome, run_process

LIST_LIMIT = 2000
SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__"})
_SECRET_ENV = re.compile(r"(API_KEY|SECRET|TOKEN|PASSWORD)", re.IGNORECASE)


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


TOOL_SPECS: list[ToolSpec] = [
    ToolSpec(
        "readFile",
        "Read a text file of the workspace. Paths are relative to the workspace root.",
        _object({"path": {"type": "string", "description": "Relative path"}}, ["path"]),
    ),
    ToolSpec(
        "writeFile",
        "Create or overwrite a file of the workspace with the given content; "
        "parent directories are created.",
        _object(
            {
                "path": {"type": "string", "description": "Relative path"},
                "content": {"type": "string", "description": "The complete new content"},
            },
            ["path", "content"],
        ),
    ),
    ToolSpec(
        "listFiles",
        "List the entries of a workspace directory (directories end with '/'). "
        "With recursive=true, lists the whole tree below it, skipping .git and node_modules.",
        _object(
            {
                "path": {"type": "string", "description": "Relative directory, default '.'"},
                "recursive": {"type": "boolean", "description": "Default false"},
            },
            [],
        ),
    ),
    ToolSpec(
        "runCommand",
        "Run a shell command in the workspace and return its exit code and output. "
        "Commands are stopped after a time limit; background processes do not survive it.",
        _object(
            {
                "command": {"type": "string", "description": "Shell command line"},
                "cwd": {"type": "string", "description": "Relative directory, default '.'"},
            },
            ["command"],
        ),
    ),
    ToolSpec(
        "askUser",
        "Ask the user a question when a decision needs their input. Returns their answer.",
        _object({"question": {"type": "string"}}, ["question"]),
    ),
]


@dataclass(frozen=True)
class ToolOutcome:
    content: str
    is_error: bool = False


class ToolArgumentError(ValueError):
    """A required argument is missing or has the wrong type."""


def tool_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for commands: ours, minus anything that looks like a credential."""
    env = dict(os.environ if base is None else base)
    return {k: v for k, v in env.items() if not _SECRET_ENV.search(k)}


def truncate(text: str, limit: int) -> str:
    """Head and tail of ``text`` within about ``limit`` characters."""
    if limit <= 0 or len(text) <= limit:
        return text
    half = limit // 2
    omitted = len(text) - 2 * half
    return f"{text[:half]}\n[... {omitted} characters omitted ...]\n{text[-half:]}"


class WorkspaceTools:
    """The tool set bound to one workspace and one scenario's oracle."""

    def __init__(
        self,
        workspace: Path,
        oracle: Mapping[str, str],
        *,
        command_timeout_s: float = 60.0,
        output_limit: int = 30_000,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.workspace = workspace.resolve()
        self.sandbox = sandbox
        self.oracle = dict(oracle)
        self.command_timeout_s = command_timeout_s
        self.output_limit = output_limit
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[ToolOutcome]]] = {
            "readFile": self.read_file,
            "writeFile": self.write_file,
            "listFiles": self.list_files,
            "runCommand": self.run_command,
            "askUser": self.ask_user,
        }

    @property
    def specs(self) -> list[ToolSpec]:
        return TOOL_SPECS

    async def call(
        self, name: str, arguments: dict[str, Any], arguments_error: str | None = None
    ) -> ToolOutcome:
        """Run one tool call; every failure becomes an error outcome for the model."""
        if arguments_error:
            return ToolOutcome(f"{name}: {arguments_error}", is_error=True)
        handler = self._handlers.get(name)
        if handler is None:
            known = ", ".join(self._handlers)
            return ToolOutcome(f"unknown tool {name!r}; available: {known}", is_error=True)
        try:
            return await handler(arguments)
        except (PathOutsideWorkspace, ToolArgumentError) as exc:
            return ToolOutcome(f"{name}: {exc}", is_error=True)
        except OSError as exc:
            return ToolOutcome(f"{name}: {exc.strerror or exc}", is_error=True)
        except Exception as exc:  # a tool bug must not end the agent's run
            return ToolOutcome(f"{name}: {exc.__class__.__name__}: {exc}", is_error=True)

    def _path(self, arguments: dict[str, Any], key: str, default: str | None = None) -> Path:
        raw = arguments.get(key, default)
        if raw is None:
            raise ToolArgumentError(f"missing argument {key!r}")
        return resolve_in_workspace(self.workspace, raw)

    def _shown(self, path: Path) -> str:
        return display_path(self.workspace, path)

    async def read_file(self, arguments: dict[str, Any]) -> ToolOutcome:
        path = self._path(arguments, "path")
        if path.is_dir():
            return ToolOutcome(f"{self._shown(path)} is a directory", is_error=True)
        if not path.exists():
            return ToolOutcome(f"{self._shown(path)} does not exist", is_error=True)
        text = path.read_bytes().decode("utf-8", errors="replace")
        return ToolOutcome(truncate(text, self.output_limit))

    async def write_file(self, arguments: dict[str, Any]) -> ToolOutcome:
        path = self._path(arguments, "path")
        content = arguments.get("content")
        if not isinstance(content, str):
            raise ToolArgumentError("argument 'content' must be a string")
        if path == self.workspace or path.is_dir():
            return ToolOutcome(f"{self._shown(path)} is a directory", is_error=True)
        data = content.encode()
        if self.sandbox is not None:
            await self.sandbox.write_file(self._shown(path), data)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return ToolOutcome(f"wrote {len(data)} bytes to {self._shown(path)}")

    async def list_files(self, arguments: dict[str, Any]) -> ToolOutcome:
        path = self._path(arguments, "path", ".")
        if not path.is_dir():
            return ToolOutcome(f"{self._shown(path)} is not a directory", is_error=True)
        recursive = arguments.get("recursive") in (True, "true", "True", 1)
        entries = self._walk(path) if recursive else self._entries(path)
        lines: list[str] = []
        for entry in entries:
            if len(lines) >= LIST_LIMIT:
                lines.append(f"[... stopped after {LIST_LIMIT} entries ...]")
                break
            lines.append(entry)
        return ToolOutcome("\n".join(lines) if lines else "(empty directory)")

    def _entries(self, directory: Path) -> list[str]:
        return sorted(self._label(child) for child in directory.iterdir())

    def _walk(self, directory: Path) -> list[str]:
        found: list[str] = []
        for current, dirs, files in os.walk(directory):  # does not follow symlinked dirs
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            base = Path(current)
            found.extend(self._label(base / d) for d in dirs)
            found.extend(self._label(base / f) for f in sorted(files))
            if len(found) > LIST_LIMIT:
                break
        return sorted(found)

    def _label(self, path: Path) -> str:
        relative = path.relative_to(self.workspace).as_posix()
        if path.is_symlink():
            return f"{relative}@"
        return f"{relative}/" if path.is_dir() else relative

    async def run_command(self, arguments: dict[str, Any]) -> ToolOutcome:
        command = arguments.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolArgumentError("argument 'command' must be a non-empty string")
        cwd = self._path(arguments, "cwd", ".")
        if not cwd.is_dir():
            return ToolOutcome(f"{self._shown(cwd)} is not a directory", is_error=True)
        outcome = await self._execute(command, cwd)
        if outcome.error:
            return ToolOutcome(outcome.error, is_error=True)
        body = _command_report(outcome.stdout, outcome.stderr, self.output_limit)
        if outcome.timed_out:
            return ToolOutcome(
                f"timed out after {self.command_timeout_s:g} s; the command and its "
                f"child processes were killed\n{body}",
                is_error=True,
            )
        return ToolOutcome(f"exit code: {outcome.exit_code}\n{body}")

    async def _execute(self, command: str, cwd: Path) -> ProcessOutcome:
        if self.sandbox is not None:
            return await self.sandbox.exec(
                command,
                cwd=cwd,
                timeout_s=self.command_timeout_s,
                env=tool_env(),
                output_limit=self.output_limit,
            )
        return await run_process(
            command,
            cwd=cwd,
            timeout_s=self.command_timeout_s,
            env=tool_env(),
            output_limit=self.output_limit,
        )

    async def ask_user(self, arguments: dict[str, Any]) -> ToolOutcome:
        question = arguments.get("question")
        if not isinstance(question, str) or not question.strip():
            raise ToolArgumentError("argument 'question' must be a non-empty string")
        return ToolOutcome(answer_question(self.oracle, question).answer)


def _command_report(stdout: str, stderr: str, limit: int) -> str:
    parts = []
    if stdout:
        parts.append(f"--- stdout ---\n{truncate(stdout, limit)}")
    if stderr:
        parts.append(f"--- stderr ---\n{truncate(stderr, limit)}")
    return "\n".join(parts) if parts else "(no output)"
