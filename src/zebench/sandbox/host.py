"""The ``none`` provider: commands run on the host as they are. It isolates nothing.

Only the environment is still cut to the allow-list (no credentials), the file
tools stay confined to the workspace and each command's process group is killed
when it ends; a command can read and write anything the user running zebench can,
reach every network service and leave daemons that escaped its process group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from zebench.sandbox.base import Sandbox, SandboxConfig
from zebench.sandbox.env import allowed_env
from zebench.sandbox.files import ConfinedFiles
from zebench.sandbox.paths import is_inside
from zebench.sandbox.process import ProcessOutcome, run_process

WARNING = (
    "--sandbox none: agents' commands run on this machine as you, with no isolation "
    "(files, network, processes); use it only for agents and suites you trust"
)


class HostProvider:
    name = "none"

    def unavailable(self, config: SandboxConfig) -> str | None:
        return None

    async def start(self, workspace: Path, config: SandboxConfig) -> Sandbox:
        return HostSandbox(workspace, config)


class HostSandbox(ConfinedFiles):
    kind = "none"

    def __init__(self, workspace: Path, config: SandboxConfig) -> None:
        self.workspace = workspace.resolve()
        self.config = config

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
        return await run_process(
            command,
            cwd=where,
            timeout_s=timeout_s,
            stdin=stdin,
            env=allowed_env(env, self.config.pass_env, home=str(Path.home())),
            output_limit=output_limit,
        )

    def isolation(self) -> dict[str, Any]:
        return {"kind": self.kind, "network": "host", "note": "no isolation"}

    async def cleanup(self) -> None:
        return None
