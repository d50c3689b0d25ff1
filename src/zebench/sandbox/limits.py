"""Resource limits of sandboxed commands: rlimits everywhere, a cgroup where we may make one.

rlimits (set in the child between fork and exec, inherited by all it starts):
RLIMIT_DATA for memory (private writable memory, so runtimes that reserve large
address ranges, like V8, still start), RLIMIT_FSIZE, RLIMIT_CPU and RLIMIT_NPROC.
The kernel does not apply RLIMIT_NPROC to root, so when zebench runs as root the
process limit (and a hard memory limit) come from a cgroup made for the command:
pids.max / memory.max (v2) or pids.max / memory.limit_in_bytes (v1).
"""

from __future__ import annotations

import contextlib
import os
import resource
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zebench.sandbox.base import Limits

CGROUP_ROOT = Path("/sys/fs/cgroup")
_MB = 1024 * 1024


@dataclass(frozen=True)
class CommandCgroup:
    """The cgroup directories (one per v1 controller, one in v2) holding one command."""

    dirs: tuple[Path, ...]

    def enter(self) -> None:
        """Move the calling process in; runs in the child before exec (no allocation-heavy
        work, no Python-level locks)."""
        for directory in self.dirs:
            fd = os.open(directory / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)

    def remove(self) -> None:
        """Kill whatever is left in it, then remove it."""
        for directory in self.dirs:
            with contextlib.suppress(OSError):
                for pid in (directory / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), 9)
            with contextlib.suppress(OSError):
                directory.rmdir()


def cgroup_for(limits: Limits) -> CommandCgroup | None:
    """A fresh cgroup with ``limits`` applied, or None when none can be made here."""
    name = f"zebench-{uuid.uuid4().hex[:12]}"
    if (CGROUP_ROOT / "cgroup.controllers").is_file():
        return _v2(CGROUP_ROOT / _own_v2_group(), name, limits)
    return _v1(name, limits)


def _own_v2_group() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return line[3:].lstrip("/")
    return ""


def _v2(parent: Path, name: str, limits: Limits) -> CommandCgroup | None:
    directory = parent / name
    try:
        directory.mkdir()
        if limits.processes:
            (directory / "pids.max").write_text(str(limits.processes))
        if limits.memory_mb:
            (directory / "memory.max").write_text(str(limits.memory_mb * _MB))
    except OSError:
        with contextlib.suppress(OSError):
            directory.rmdir()
        return None
    return CommandCgroup((directory,))


def _v1(name: str, limits: Limits) -> CommandCgroup | None:
    made: list[Path] = []
    wanted = [("pids", "pids.max", limits.processes, 1)]
    wanted.append(("memory", "memory.limit_in_bytes", limits.memory_mb, _MB))
    try:
        for controller, knob, value, unit in wanted:
            if not value:
                continue
            directory = CGROUP_ROOT / controller / _own_v1_group(controller) / name
            directory.mkdir()
            made.append(directory)
            (directory / knob).write_text(str(value * unit))
    except OSError:
        CommandCgroup(tuple(made)).remove()
        return None
    return CommandCgroup(tuple(made)) if made else None


def _own_v1_group(controller: str) -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                return path.lstrip("/")
    return ""


def rlimits_for(limits: Limits) -> list[tuple[int, int]]:
    """(resource, value) pairs to set; a limit of 0 is left as it is."""
    pairs = [
        (resource.RLIMIT_DATA, limits.memory_mb * _MB),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_FSIZE, limits.file_size_mb * _MB),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
    ]
    return [(which, value) for which, value in pairs if value > 0]


def preexec_for(limits: Limits, cgroup: CommandCgroup | None) -> Callable[[], None]:
    """What the child runs before exec: join the cgroup, lower the rlimits."""
    pairs = rlimits_for(limits)

    def apply() -> None:
        if cgroup is not None:
            cgroup.enter()
        for which, value in pairs:
            _soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY and hard < value:
                value = hard
            resource.setrlimit(which, (value, value))

    return apply
