"""Scenario commands: exit codes, output tails, missing programs, and whole-group kills."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from harness_support import wait_gone
from zebench.workspace.commands import command_clock, command_env, run_command


async def test_exit_code_duration_and_output_tail(tmp_path: Path) -> None:
    result = await run_command(
        "for i in $(seq 1 500); do echo line-$i; done; echo oops >&2; exit 3",
        cwd=tmp_path,
        timeout_s=10,
        tail_chars=40,
    )
    assert result.exit_code == 3 and not result.ok and not result.timed_out
    assert len(result.output_tail) <= 40
    assert result.output_tail.endswith("oops\n")
    assert "line-500" in result.output_tail
    assert result.duration_ms >= 0


async def test_a_missing_program_is_a_failed_command_with_its_message(tmp_path: Path) -> None:
    result = await run_command("pnpm-that-does-not-exist install", cwd=tmp_path, timeout_s=10)
    assert result.exit_code == 127
    assert "pnpm-that-does-not-exist" in result.output_tail
    assert "not found" in result.output_tail


async def test_timeout_kills_the_whole_group_including_children(tmp_path: Path) -> None:
    # The background child would outlive its parent were only the parent killed.
    command = "sleep 300 & echo $! > child.pid; sleep 300"
    started = time.monotonic()
    result = await run_command(command, cwd=tmp_path, timeout_s=0.5)
    assert result.timed_out and result.exit_code is None
    assert result.error is not None and "timed out after 0.5 s" in result.error
    assert time.monotonic() - started < 10
    assert wait_gone(int((tmp_path / "child.pid").read_text()))


async def test_children_left_behind_by_a_finished_command_are_killed(tmp_path: Path) -> None:
    result = await run_command(
        "nohup sleep 300 >/dev/null 2>&1 & echo $! > child.pid", cwd=tmp_path, timeout_s=10
    )
    assert result.ok
    assert wait_gone(int((tmp_path / "child.pid").read_text()))


async def test_cancellation_kills_the_group(tmp_path: Path) -> None:
    task = asyncio.create_task(
        run_command("sleep 300 & echo $! > child.pid; wait", cwd=tmp_path, timeout_s=60)
    )
    pid_file = tmp_path / "child.pid"
    for _ in range(500):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_gone(int(pid_file.read_text()))


async def test_commands_use_this_interpreter_first_on_path(tmp_path: Path) -> None:
    env = command_env()
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    result = await run_command(
        "python -c 'import sys; print(sys.prefix)'", cwd=tmp_path, timeout_s=30
    )
    assert result.ok and result.output_tail.strip() == sys.prefix


async def test_the_command_clock_adds_up_command_time(tmp_path: Path) -> None:
    with command_clock() as clock:
        await run_command("sleep 0.2", cwd=tmp_path, timeout_s=10)
        await run_command("sleep 0.1", cwd=tmp_path, timeout_s=10)
    assert clock.ms >= 300
    before = clock.ms
    await run_command("true", cwd=tmp_path, timeout_s=10)
    assert clock.ms == before
