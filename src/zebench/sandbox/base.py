"""The sandbox contract: what a run's commands and file tools execute through.

A provider (``bubblewrap``, ``none``, ...) checks whether it can work on this
machine and starts one ``Sandbox`` per run; the run executes every command and
touches every file through it, then cleans it up. Modelled on inspect_ai's
sandbox environments: a small contract, providers registered by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from zebench.errors import UserError
from zebench.sandbox.process import ProcessOutcome

Network = Literal["none", "on", "host"]
"""none: no network at all; on: outside network, no host loopback; host: the host's own."""


class SandboxUnavailable(UserError):
    """The chosen provider cannot work here; the message says why and how to fix it."""


@dataclass(frozen=True)
class Limits:
    """Per-command resource limits; 0 turns one off."""

    memory_mb: int = 4096
    processes: int = 512
    file_size_mb: int = 1024
    cpu_seconds: int = 1800

    def to_json(self) -> dict[str, int]:
        return {
            "memoryMb": self.memory_mb,
            "processes": self.processes,
            "fileSizeMb": self.file_size_mb,
            "cpuSeconds": self.cpu_seconds,
        }


@dataclass(frozen=True)
class SandboxConfig:
    """What one run's sandbox is to look like; built from settings plus the run's paths."""

    provider: str = "bubblewrap"
    network: Network = "none"
    limits: Limits = field(default_factory=Limits)
    hidden: tuple[Path, ...] = ()
    """Host paths the run must not see at all (zebench home, spool, other workspaces)."""
    readable: tuple[Path, ...] = ()
    """Host paths shown read-only even when under a hidden one (the suite, the interpreter)."""
    pass_env: tuple[str, ...] = ()
    """Names of host variables passed through the environment allow-list."""


@runtime_checkable
class Sandbox(Protocol):
    """One run's sandbox, from start to cleanup. Paths are host paths inside ``workspace``."""

    kind: str
    workspace: Path

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
        """Run ``command`` (argv, or a ``/bin/sh -c`` string) with ``cwd`` (default: the
        workspace); ``env`` is filtered through the allow-list. Never raises for the
        command's failure; cancellation kills everything it started and re-raises."""
        ...

    async def read_file(self, path: str) -> bytes:
        """The bytes of ``path`` (relative to the workspace; confined to it)."""
        ...

    async def write_file(self, path: str, data: bytes) -> Path:
        """Create or replace ``path`` (relative, confined); parents are created."""
        ...

    async def copy_in(self, source: Path, dest: str = ".") -> list[str]:
        """Copy the host tree ``source`` over ``dest``; links leading outside are refused."""
        ...

    async def copy_out(self, path: str, dest: Path) -> None:
        """Copy ``path`` of the workspace (file or tree) to the host path ``dest``."""
        ...

    def isolation(self) -> dict[str, Any]:
        """What this sandbox isolates, for the run's metadata (kind and settings)."""
        ...

    async def cleanup(self) -> None:
        """Kill what is still running and remove the sandbox's own state (idempotent)."""
        ...


class SandboxProvider(Protocol):
    name: str

    def unavailable(self, config: SandboxConfig) -> str | None:
        """Why this provider cannot work here and how to fix it, or None when it can."""
        ...

    async def start(self, workspace: Path, config: SandboxConfig) -> Sandbox:
        """The sandbox of one run whose workspace (already filled) is ``workspace``."""
        ...
