"""The ``bubblewrap`` provider: Linux namespaces, no daemon, no root needed.

Every command of a run starts a fresh ``bwrap`` with the same view of the machine:

- the host filesystem read-only; the workspace the only writable place, plus the
  run's private /tmp (kept for the run's whole life, so one command can leave a
  file there for the next);
- the home directories, /run (host sockets), /var/tmp, the zebench home (database,
  spool, keys, other runs' workspaces) and any ``hidden`` path replaced by empty
  directories; shadow password files replaced by /dev/null;
- new user, PID, IPC, UTS, cgroup and network namespaces. The command is PID 1's only
  child: when it ends, or is killed, PID 1 goes and the kernel kills every process
  left in the namespace (``setsid``, ``nohup`` and double forks included);
  ``--die-with-parent`` does the same if zebench itself dies;
- no network unless asked: ``on`` gives a user-mode network (slirp4netns) that cannot
  reach the host's loopback; ``host`` shares the host's network, loopback included;
- resource limits from ``limits`` (see ``zebench.sandbox.limits``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zebench.sandbox.base import Limits, Sandbox, SandboxConfig
from zebench.sandbox.confined import ConfinedSandbox, ProcessOptions
from zebench.sandbox.limits import CommandCgroup, cgroup_for, preexec_for
from zebench.sandbox.network import UserNetwork, slirp4netns_binary
from zebench.sandbox.paths import is_inside
from zebench.sandbox.process import ProcessOutcome, run_process

ALWAYS_HIDDEN = ("/home", "/root", "/run", "/var/tmp", "/var/run", "/mnt", "/media")
SECRET_FILES = ("/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-")
_NETWORK_ATTEMPTS = 3
_FIX = (
    "install bubblewrap (apt-get install bubblewrap), or run with --sandbox none "
    "to run agents unconfined"
)


@functools.lru_cache(maxsize=4)
def _probe(binary: str) -> str | None:
    """Why ``binary`` cannot make a sandbox here, or None; asked once per process."""
    argv = [binary, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {binary}: {exc}"
    if done.returncode == 0:
        return None
    reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
    return (
        f"bubblewrap cannot create namespaces here ({reason}); enable unprivileged user "
        "namespaces (sysctl -w kernel.unprivileged_userns_clone=1, or "
        "user.max_user_namespaces > 0), see docs/sandbox.md, or run with --sandbox none"
    )


class BubblewrapProvider:
    name = "bubblewrap"

    def __init__(self, binary: str = "bwrap") -> None:
        self.binary = binary

    def unavailable(self, config: SandboxConfig) -> str | None:
        path = shutil.which(self.binary)
        if path is None:
            return f"the sandbox needs bubblewrap, and {self.binary!r} is not on PATH: {_FIX}"
        problem = _probe(path)
        if problem is None and config.network == "on" and slirp4netns_binary() is None:
            problem = (
                "--sandbox-network on needs slirp4netns (apt-get install slirp4netns); "
                "or --sandbox-network host to share the host's network, loopback included"
            )
        return problem

    async def start(self, workspace: Path, config: SandboxConfig) -> Sandbox:
        binary = shutil.which(self.binary)
        if binary is None:
            raise FileNotFoundError(self.binary)
        return BubblewrapSandbox(binary, workspace, config)


class BubblewrapSandbox(ConfinedSandbox):
    kind = "bubblewrap"

    def __init__(self, binary: str, workspace: Path, config: SandboxConfig) -> None:
        self.binary = binary
        self.workspace = workspace.resolve()
        self.config = config
        self.state_dir = self.workspace.parent / f"{self.workspace.name}.sandbox"
        self.tmp_dir = self.state_dir / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.chmod(0o1777)
        self._mounts = self._mount_args()

    def _mount_args(self) -> list[str]:
        args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        args += ["--bind", str(self.tmp_dir), "/tmp"]
        hidden = _outermost([Path(p) for p in ALWAYS_HIDDEN] + [Path.home(), *self.config.hidden])
        for path in hidden:
            args += ["--tmpfs", str(path)]
        for file in _files([Path(name) for name in SECRET_FILES] + list(self.config.hidden)):
            args += ["--ro-bind", "/dev/null", str(file)]
        for path in self._readable(hidden):
            args += ["--ro-bind", str(path), str(path)]
        if self.config.network == "on":
            resolv = self.state_dir / "resolv.conf"
            resolv.write_text(f"nameserver {UserNetwork.DNS}\n")
            args += ["--ro-bind", str(resolv), str(Path("/etc/resolv.conf").resolve())]
        args += ["--bind", str(self.workspace), str(self.workspace)]
        return args

    def _readable(self, hidden: list[Path]) -> list[Path]:
        """Read-only paths to show again because a hidden one (or /tmp) covers them."""
        covering = [*hidden, Path("/tmp")]
        wanted = [Path(sys.prefix), Path(sys.base_prefix), *self.config.readable]
        if self.config.network == "host":
            wanted.append(Path("/etc/resolv.conf"))
        shown = _existing(wanted, lambda real: any(is_inside(c, real) for c in covering))
        return sorted(shown, key=lambda p: len(p.parts))

    def bwrap_argv(self, cwd: Path, inner: Sequence[str]) -> list[str]:
        namespaces = ["--unshare-all", "--die-with-parent", "--new-session"]
        if self.config.network == "host":
            namespaces.append("--share-net")
        return [
            self.binary,
            *namespaces,
            "--hostname",
            "zebench-sandbox",
            *self._mounts,
            "--chdir",
            str(cwd),
            "--",
            *inner,
        ]

    async def run_confined(
        self, command: Sequence[str] | str, options: ProcessOptions
    ) -> ProcessOutcome:
        inner = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
        cgroup = cgroup_for(self.config.limits) if os.geteuid() == 0 else None
        try:
            outcome = await self._run(inner, options, cgroup)
        finally:
            if cgroup is not None:
                cgroup.remove()
        return _startup_error(outcome, inner[0])

    async def _run(
        self, inner: list[str], options: ProcessOptions, cgroup: CommandCgroup | None
    ) -> ProcessOutcome:
        argv = self.bwrap_argv(options["cwd"], inner)
        preexec = preexec_for(self.config.limits, cgroup)
        if self.config.network != "on":
            return await run_process(argv, **options, preexec=preexec)
        for _attempt in range(_NETWORK_ATTEMPTS):
            async with UserNetwork() as network:
                outcome = await run_process(
                    network.wrap(argv),
                    **options,
                    preexec=preexec,
                    pass_fds=network.pass_fds,
                    on_start=network.attach,
                )
            # bwrap's own loopback set-up can race slirp4netns configuring the same
            # namespace; it then fails before the command ran, so trying again is safe.
            if not outcome.stderr.startswith("bwrap: loopback: "):
                break
        return outcome

    def isolation(self) -> dict[str, Any]:
        limited_by = "cgroup+rlimit" if os.geteuid() == 0 and _cgroups_work() else "rlimit"
        return {
            "kind": self.kind,
            "network": self.config.network,
            "limits": self.config.limits.to_json(),
            "limitsBy": limited_by,
            "hidden": [str(p) for p in _outermost([Path(p) for p in self.config.hidden])],
        }

    async def cleanup(self) -> None:
        await asyncio.to_thread(shutil.rmtree, self.state_dir, True)


@functools.lru_cache(maxsize=1)
def _cgroups_work() -> bool:
    probe = cgroup_for(Limits(processes=64, memory_mb=64))
    if probe is None:
        return False
    probe.remove()
    return True


def _outermost(paths: list[Path]) -> list[Path]:
    """Existing directories of ``paths``, resolved, without those inside another one."""
    real = _existing(paths, lambda resolved: resolved.is_dir() and resolved != Path("/"))
    real.sort(key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in real:
        if not any(path == k or path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def _files(paths: list[Path]) -> list[Path]:
    """The regular files among ``paths``, resolved (a hidden file reads as empty)."""
    return _existing(paths, Path.is_file)


def _existing(paths: list[Path], wanted: Callable[[Path], bool]) -> list[Path]:
    """``paths`` that exist, resolved, and are ``wanted``; each once, in order."""
    found: list[Path] = []
    for path in paths:
        with contextlib.suppress(OSError):
            resolved = path.resolve(strict=True)
            if wanted(resolved) and resolved not in found:
                found.append(resolved)
    return found


def _startup_error(outcome: ProcessOutcome, program: str) -> ProcessOutcome:
    """bwrap's own failures (exit 1, ``bwrap: ...`` on stderr) as a start error."""
    lines = outcome.stderr.strip().splitlines()
    if outcome.exit_code != 1 or len(lines) != 1 or not lines[0].startswith("bwrap: "):
        return outcome
    message = lines[0].removeprefix("bwrap: ")
    if message.startswith("execvp "):
        reason = message.split(": ", 1)[-1]
        outcome.error = f"cannot start {program!r}: {reason}"
    else:
        outcome.error = f"sandbox: {message}"
    outcome.exit_code = None
    return outcome
