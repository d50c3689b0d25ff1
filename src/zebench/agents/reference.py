"""The ``reference`` agent: applies the scenario's reference solution to the workspace.

It proves a scenario is solvable: the files of ``reference_path`` are copied over the
workspace (same relative paths, overwriting; files the solution does not mention stay).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from zebench.agents.base import AgentRequest, AgentResult, Usage
from zebench.config import Settings
from zebench.sandbox.files import overlay_tree


class ReferenceAgent:
    name = "reference"

    async def run(self, request: AgentRequest) -> AgentResult:
        source = request.reference_path
        if source is None:
            return _failed(request, "the scenario has no reference_path solution")
        if not source.is_dir():
            return _failed(request, f"reference_path {source} is not a directory")
        try:
            if request.sandbox is not None:
                copied = await request.sandbox.copy_in(source)
            else:
                copied = await asyncio.to_thread(apply_solution, source, request.workspace)
        except OSError as exc:
            return _failed(request, f"cannot apply the reference solution: {exc}")
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
    paths, relative and sorted. Symlinks are copied as links, and only when they stay
    inside ``source``."""
    return overlay_tree(source, workspace)


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
