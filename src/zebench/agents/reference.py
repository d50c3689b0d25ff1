"""The ``reference`` agent: applies the scenario's reference solution to the workspace.

It proves a scenario is solvable: the files of ``reference_path`` are copied over the
workspace (same relative paths, overwriting; files the solution does not mention stay).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from zebench.agents.base import AgentRequest, AgentResult, Usage
from zebench.config import Settings


class ReferenceAgent:
    name = "reference"

    async def run(self, request: AgentRequest) -> AgentResult:
        source = request.reference_path
        if source is None:
            return _failed(request, "the scenario has no reference_path solution")
        if not source.is_dir():
            return _failed(request, f"reference_path {source} is not a directory")
        copied = await asyncio.to_thread(apply_solution, source, request.workspace)
        summary = f"applied the reference solution: {len(copied)} file(s) from {source}"
        return AgentResult(
            output=summary,
            usage=Usage(tool_calls=0, cost_usd=0.0),
            transcript=[
                {"role": "user", "content": request.prompt},
                {"role": "assistant", "content": summary, "files": copied},
            ],
            model=request.model,
        )


def apply_solution(source: Path, workspace: Path) -> list[str]:
    """Copy every file below ``source`` to the same place in ``workspace``; the copied
    paths, relative and sorted. Symlinks are copied as links, not followed."""
    copied: list[str] = []
    for current, dirs, files in os.walk(source):
        linked = [d for d in dirs if (Path(current) / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in linked)
        relative_dir = Path(current).relative_to(source)
        (workspace / relative_dir).mkdir(parents=True, exist_ok=True)
        for name in sorted([*files, *linked]):
            target = workspace / relative_dir / name
            if target.is_symlink() or (target.exists() and not target.is_file()):
                _remove(target)
            shutil.copy2(Path(current) / name, target, follow_symlinks=False)
            copied.append((relative_dir / name).as_posix())
    return copied


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _failed(request: AgentRequest, error: str) -> AgentResult:
    return AgentResult(
        output="",
        transcript=[
            {"role": "user", "content": request.prompt},
            {"role": "event", "content": error},
        ],
        model=request.model,
        error=error,
    )


def create(settings: Settings) -> ReferenceAgent:
    return ReferenceAgent()
