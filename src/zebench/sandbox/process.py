"""Run a child process in its own process group, bounded in time and in output kept.

The whole group is killed when the time is up, when the caller is cancelled (the
harness timing out a run), and when the main process exits while children it left
in the background still run: nothing an agent starts outlives its command.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DRAIN_S = 2.0
"""How long to wait for pipes to close after the group was killed (a grandchild that
left the group with setsid could hold them open forever)."""


class BoundedCapture:
    """Keeps the first and last ``limit`` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 0)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > self.limit:
                del self.tail[: len(self.tail) - self.limit]

    def text(self) -> str:
        omitted = self.total - len(self.head) - len(self.tail)
        head = self.head.decode("utf-8", errors="replace")
        tail = self.tail.decode("utf-8", errors="replace")
        if omitted <= 0:
            return head + tail
        return f"{head}\n[... {omitted} bytes omitted ...]\n{tail}"


@dataclass
class ProcessOutcome:
    exit_code: int | None
    """None when the process could not start or was killed on timeout."""
    stdout: str
    stderr: str
    timed_out: bool
    duration_s: float
    error: str | None = None
    """Why the process could not start (missing binary, bad directory)."""


def kill_group(pid: int) -> None:
    """SIGKILL a process group; gone already is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_process(
    command: Sequence[str] | str,
    *,
    cwd: Path,
    timeout_s: float,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    output_limit: int = 1_000_000,
    preexec: Callable[[], None] | None = None,
    pass_fds: Sequence[int] = (),
    on_start: Callable[[int], Awaitable[None]] | None = None,
) -> ProcessOutcome:
    """Run ``command`` (argv, or a string for ``/bin/sh -c``) in ``cwd``.

    Never raises for the child's failures: a missing binary, a non-zero exit and a
    timeout are all reported in the outcome. Cancellation kills the group and re-raises,
    at whatever point it arrives, the spawn itself included. ``preexec`` runs in the
    child between fork and exec (resource limits, cgroup placement); ``pass_fds`` stay
    open in the child; ``on_start(pid)`` is awaited once the child runs (an ``OSError``
    from it is reported like a failed start, the child killed).
    """
    started = time.monotonic()
    try:
        proc = await _spawn_to_the_end(command, cwd, stdin, env, (preexec, pass_fds))
    except (OSError, subprocess.SubprocessError) as exc:
        return _not_started(command, exc, time.monotonic() - started)
    out, err = BoundedCapture(output_limit), BoundedCapture(output_limit)
    timed_out, error = await _supervise(proc, (out, err), stdin, timeout_s, on_start)
    return ProcessOutcome(
        exit_code=None if timed_out or error else proc.returncode,
        stdout=out.text(),
        stderr=err.text(),
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        error=error,
    )


def _not_started(
    command: Sequence[str] | str, exc: OSError | subprocess.SubprocessError, duration_s: float
) -> ProcessOutcome:
    if isinstance(exc, subprocess.SubprocessError):  # preexec failed in the child
        return ProcessOutcome(None, "", "", False, duration_s, error=str(exc))
    name = command if isinstance(command, str) else command[0]
    return ProcessOutcome(
        exit_code=None,
        stdout="",
        stderr="",
        timed_out=False,
        duration_s=duration_s,
        error=f"cannot start {name!r}: {exc.strerror or exc}",
    )


async def _supervise(
    proc: asyncio.subprocess.Process,
    sinks: tuple[BoundedCapture, BoundedCapture],
    stdin: str | None,
    timeout_s: float,
    on_start: Callable[[int], Awaitable[None]] | None,
) -> tuple[bool, str | None]:
    """Capture the output and wait for the exit or the time limit: (timed out, error).
    The group is reaped on the way out, cancellation included."""
    readers: list[asyncio.Task[None]] = []
    timed_out = False
    error: str | None = None
    try:
        readers += [
            asyncio.create_task(_pump(proc.stdout, sinks[0])),
            asyncio.create_task(_pump(proc.stderr, sinks[1])),
        ]
        if on_start is not None:
            await on_start(proc.pid)
        if stdin is not None and proc.stdin is not None:
            await _feed_stdin(proc.stdin, stdin)
        try:
            await asyncio.wait_for(proc.wait(), timeout=timeout_s)
        except TimeoutError:
            timed_out = True
    except OSError as exc:
        error = f"cannot start: {exc.strerror or exc}"
    finally:
        # Also runs on cancellation: the group dies with the run that started it.
        await _reap(proc, readers)
    return timed_out, error


async def _spawn_to_the_end(
    command: Sequence[str] | str,
    cwd: Path,
    stdin: str | None,
    env: Mapping[str, str] | None,
    extra: tuple[Callable[[], None] | None, Sequence[int]],
) -> asyncio.subprocess.Process:
    """Spawn; a cancellation that arrives while the child is being created waits for it to
    exist, kills its group, and only then propagates (else the child would be lost)."""
    spawn = asyncio.ensure_future(_spawn(command, cwd, stdin, env, *extra))
    try:
        return await asyncio.shield(spawn)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            proc = await spawn
            await _reap(proc, [])
        raise


async def _reap(proc: asyncio.subprocess.Process, readers: list[asyncio.Task[None]]) -> None:
    kill_group(proc.pid)
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    if readers:
        await asyncio.wait(readers, timeout=_DRAIN_S)
    for reader in readers:
        reader.cancel()
    if proc.returncode is None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), timeout=_DRAIN_S)


async def _spawn(
    command: Sequence[str] | str,
    cwd: Path,
    stdin: str | None,
    env: Mapping[str, str] | None,
    preexec: Callable[[], None] | None = None,
    pass_fds: Sequence[int] = (),
) -> asyncio.subprocess.Process:
    pipe = asyncio.subprocess.PIPE
    # start_new_session puts the child at the head of its own process group.
    options: dict[str, Any] = {
        "cwd": cwd,
        "stdin": pipe if stdin is not None else asyncio.subprocess.DEVNULL,
        "stdout": pipe,
        "stderr": pipe,
        "env": dict(env) if env is not None else None,
        "start_new_session": True,
    }
    if preexec is not None:
        options["preexec_fn"] = preexec
    if pass_fds:
        options["pass_fds"] = tuple(pass_fds)
    if isinstance(command, str):
        return await asyncio.create_subprocess_shell(command, **options)
    return await asyncio.create_subprocess_exec(*command, **options)


async def _feed_stdin(writer: asyncio.StreamWriter, data: str) -> None:
    # A child that exits without reading its input is not an error of ours.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        writer.write(data.encode())
        await writer.drain()
    writer.close()


async def _pump(stream: asyncio.StreamReader | None, sink: BoundedCapture) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        sink.feed(chunk)
