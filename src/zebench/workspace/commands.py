"""Running a scenario's shell commands: in the run's sandbox, bounded time, output tail kept.

A command runs in the sandbox it is given, else in the run's current one
(``zebench.sandbox.current``), so every command of a run is contained; outside
a run (tests, tools) it runs on the host in its own process group. On timeout
(or when the harness is cancelled) everything it started is killed. A missing
program (say ``pnpm``) is an ordinary failed command, exit 127 with the shell's
message, never a crash.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zebench.sandbox import Sandbox, current_sandbox
from zebench.sandbox.process import ProcessOutcome, run_process


@dataclass(frozen=True)
class CommandResult:
    name: str
    command: str
    exit_code: int | None
    """None when the command did not exit by itself (timed out, or could not start)."""
    duration_ms: int
    output_tail: str
    timed_out: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def could_not_run(self) -> bool:
        """The shell could not find or execute the program (or it never started)."""
        return self.exit_code in (126, 127) or (self.exit_code is None and not self.timed_out)

    @property
    def passed(self) -> bool | None:
        """Exit 0 or not; None when the command could not run at all."""
        return None if self.could_not_run else self.ok

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "exitCode": self.exit_code,
            "durationMs": self.duration_ms,
            "timedOut": self.timed_out,
            "error": self.error,
            "outputTail": self.output_tail,
        }


def find_command(results: Iterable[CommandResult], command: str) -> CommandResult | None:
    """The first of ``results`` that ran ``command`` (surrounding blanks aside)."""
    wanted = command.strip()
    return next((result for result in results if result.command.strip() == wanted), None)


def command_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for scenario commands: ours, with this interpreter's bin dir first.

    ``python -m pytest`` in a scenario then means the Python zebench runs on
    (its virtualenv included), whatever the caller's PATH says.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    path = env.get("PATH", "")
    if path.split(os.pathsep)[:1] != [bin_dir]:
        env["PATH"] = bin_dir + (os.pathsep + path if path else "")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    if extra:
        env.update(extra)
    return env


class CommandClock:
    """Time spent in scenario commands by the current run (its own, not the harness's)."""

    def __init__(self) -> None:
        self.ms = 0


_clock: ContextVar[CommandClock | None] = ContextVar("zebench_command_clock", default=None)


@contextmanager
def command_clock() -> Iterator[CommandClock]:
    """Count the duration of every ``run_command`` awaited inside this block."""
    clock = CommandClock()
    token = _clock.set(clock)
    try:
        yield clock
    finally:
        _clock.reset(token)


async def run_command(
    command: str,
    *,
    cwd: Path,
    timeout_s: float,
    name: str = "",
    tail_chars: int = 4000,
    env: Mapping[str, str] | None = None,
    sandbox: Sandbox | None = None,
) -> CommandResult:
    """Run ``command`` through the shell in ``cwd``; never raises for the command's failure.

    ``sandbox`` (default: the current run's, see above) contains it; ``env`` then
    passes through the sandbox's allow-list. Everything it started is killed on
    timeout and on cancellation (``zebench.sandbox.process``).
    """
    outcome = await _execute(
        command, cwd, timeout_s, env, max(tail_chars, 0) * 4, sandbox or current_sandbox()
    )
    output = outcome.stdout
    if outcome.stderr:
        output = f"{output}\n{outcome.stderr}" if output else outcome.stderr
    error = outcome.error
    clock = _clock.get()
    if clock is not None:
        clock.ms += int(outcome.duration_s * 1000)
    if outcome.timed_out:
        error = f"timed out after {timeout_s:g} s; process group killed"
    return CommandResult(
        name=name,
        command=command,
        exit_code=outcome.exit_code,
        duration_ms=int(outcome.duration_s * 1000),
        output_tail=output[-tail_chars:] if tail_chars > 0 else "",
        timed_out=outcome.timed_out,
        error=error,
    )


async def _execute(
    command: str,
    cwd: Path,
    timeout_s: float,
    env: Mapping[str, str] | None,
    output_limit: int,
    sandbox: Sandbox | None,
) -> ProcessOutcome:
    if sandbox is not None:
        return await sandbox.exec(
            command,
            cwd=cwd,
            timeout_s=timeout_s,
            env=env if env is not None else command_env(),
            output_limit=output_limit,
        )
    return await run_process(
        command,
        cwd=cwd,
        timeout_s=timeout_s,
        env=env if env is not None else command_env(),
        output_limit=output_limit,
    )
