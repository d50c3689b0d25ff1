"""The ``none`` provider: commands run on the host as they are. It isolates nothing.

Only the environment is still cut to the allow-list (no credentials), the file
tools stay confined to the workspace and each command's process group is killed
when it ends; a command can read and write anything the user running zebench can,
reach every network service and leave daemons that escaped its process group.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zebench.sandbox.base import Sandbox, SandboxConfig
from zebench.sandbox.confined import ConfinedSandbox, ProcessOptions
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


class HostSandbox(ConfinedSandbox):
    kind = "none"

    def __init__(self, workspace: Path, config: SandboxConfig) -> None:
        self.workspace = workspace.resolve()
        self.config = config

    def home(self) -> str:
        return str(Path.home())

    async def run_confined(
        self, command: Sequence[str] | str, options: ProcessOptions
    ) -> ProcessOutcome:
        return await run_process(command, **options)

    def isolation(self) -> dict[str, Any]:
        return {"kind": self.kind, "network": "host", "note": "no isolation"}

    async def cleanup(self) -> None:
        return None
