"""What every provider whose workspace is a host directory shares: commands start
inside the workspace, with the environment cut to the allow-list (``env``); the
provider says only how a command is then run (``run_confined``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypedDict

from zebench.sandbox.base import SandboxConfig
from zebench.sandbox.env import allowed_env
from zebench.sandbox.files import ConfinedFiles
from zebench.sandbox.paths import is_inside
from zebench.sandbox.process import ProcessOutcome


class ProcessOptions(TypedDict):
    """What ``run_process`` is given besides the command, the same for every provider."""

    cwd: Path
    timeout_s: float
    stdin: str | None
    env: dict[str, str]
    output_limit: int


class ConfinedSandbox(ConfinedFiles):
    config: SandboxConfig

    async def exec(
        self,
        command: Sequence[str] | str,
        *,
        timeout_s: float,
        cwd: Path | None = None,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        output_limit: int = 1_000_000,
    ) -> ProcessOutcome:
        where = (cwd or self.workspace).resolve()
        if not is_inside(self.workspace, where):
            return ProcessOutcome(None, "", "", False, 0.0, error=f"{cwd} is outside the workspace")
        allowed = allowed_env(env, self.config.pass_env, home=self.home())
        options = ProcessOptions(
            cwd=where, timeout_s=timeout_s, stdin=stdin, env=allowed, output_limit=output_limit
        )
        return await self.run_confined(command, options)

    def home(self) -> str:
        """HOME for the command: the run's private /tmp unless the provider says otherwise."""
        return "/tmp"

    async def run_confined(
        self, command: Sequence[str] | str, options: ProcessOptions
    ) -> ProcessOutcome:
        raise NotImplementedError
