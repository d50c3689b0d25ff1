"""Cancelling a command at any point, the spawn itself included, kills what it started."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import zebench.sandbox.process as process
from harness_support import wait_gone
from zebench.sandbox.process import run_process


async def test_cancelled_while_the_child_is_being_spawned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_spawn = process._spawn
    spawned: list[asyncio.subprocess.Process] = []
    outer: list[asyncio.Task[Any]] = []

    async def spawn_then_cancel(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        proc = await real_spawn(*args, **kwargs)
        spawned.append(proc)
        # The child exists; the caller is cancelled before it ever sees it.
        outer[0].cancel()
        await asyncio.sleep(0)  # a scheduling point, so the cancellation lands here
        return proc

    monkeypatch.setattr(process, "_spawn", spawn_then_cancel)
    task = asyncio.create_task(run_process("exec sleep 300", cwd=tmp_path, timeout_s=600))
    outer.append(task)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert spawned, "the child was spawned"
    assert spawned[0].returncode is not None  # killed and reaped before CancelledError
    assert wait_gone(spawned[0].pid)


async def test_cancelled_before_the_spawn_starts_leaves_nothing(tmp_path: Path) -> None:
    task = asyncio.create_task(
        run_process("echo started > marker; exec sleep 300", cwd=tmp_path, timeout_s=600)
    )
    task.cancel()  # before the task ever ran
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not (tmp_path / "marker").exists()
