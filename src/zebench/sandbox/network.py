"""``--sandbox-network on``: a user-mode network (slirp4netns) for one sandboxed command.

bwrap creates the network namespace and waits (``--block-fd``) until slirp4netns
has configured tap0 in it; slirp4netns runs with ``--disable-host-loopback``, so
the command reaches the outside world but not services bound to the host's
127.0.0.1. DNS is slirp4netns's own forwarder at 10.0.2.3.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

_READY_TIMEOUT_S = 30.0
_LOOPBACK_WAIT_S = 2.0
_POLL_S = 0.002


def slirp4netns_binary() -> str | None:
    return shutil.which("slirp4netns")


class UserNetwork:
    DNS = "10.0.2.3"

    def __init__(self) -> None:
        self.info_r, self.info_w = os.pipe()
        self.block_r, self.block_w = os.pipe()
        self.slirp: asyncio.subprocess.Process | None = None
        self._open = {self.info_r, self.info_w, self.block_r, self.block_w}

    def _close(self, fd: int) -> None:
        # Each once: a number closed twice may by then belong to another file.
        if fd in self._open:
            self._open.discard(fd)
            with contextlib.suppress(OSError):
                os.close(fd)

    @property
    def pass_fds(self) -> tuple[int, int]:
        return (self.info_w, self.block_r)

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """``argv`` (a bwrap command line) told to report its child and wait for us."""
        fds = ["--info-fd", str(self.info_w), "--block-fd", str(self.block_r)]
        return [argv[0], *fds, *argv[1:]]

    async def attach(self, _pid: int) -> None:
        """Once bwrap runs: give its namespace a network, then let the command start."""
        for fd in self.pass_fds:
            self._close(fd)
        info = await asyncio.to_thread(_read_json, self.info_r)
        child = int(info["child-pid"])
        await _loopback_up(child)
        ready_r, ready_w = os.pipe()
        try:
            self.slirp = await asyncio.create_subprocess_exec(
                slirp4netns_binary() or "slirp4netns",
                "--configure",
                "--mtu=65520",
                "--disable-host-loopback",
                f"--ready-fd={ready_w}",
                str(child),
                "tap0",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                pass_fds=(ready_w,),
            )
            os.close(ready_w)
            ready = await asyncio.wait_for(asyncio.to_thread(os.read, ready_r, 1), _READY_TIMEOUT_S)
        finally:
            os.close(ready_r)
        if ready != b"1":
            raise OSError("slirp4netns could not configure the sandbox's network")
        os.write(self.block_w, b"1")
        self._close(self.block_w)

    async def __aenter__(self) -> UserNetwork:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.slirp is not None and self.slirp.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.slirp.kill()
            await self.slirp.wait()
        for fd in list(self._open):
            self._close(fd)


async def _loopback_up(pid: int) -> None:
    """Wait until bwrap has brought up the namespace's loopback (127.0.0.1 is in its
    routing table): slirp4netns configuring the namespace at the same time makes
    bwrap's own set-up fail."""
    trie = Path(f"/proc/{pid}/net/fib_trie")
    deadline = time.monotonic() + _LOOPBACK_WAIT_S
    while time.monotonic() < deadline:
        try:
            if b"127.0.0.1" in trie.read_bytes():
                return
        except OSError:
            return  # gone already: the command's own outcome tells why
        await asyncio.sleep(_POLL_S)


def _read_json(fd: int) -> dict[str, int]:
    data = b""
    while b"}" not in data:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    try:
        parsed = json.loads(data[: data.index(b"}") + 1])
    except ValueError as exc:
        raise OSError(f"bwrap reported no child process ({data[:200]!r})") from exc
    if not isinstance(parsed, dict) or "child-pid" not in parsed:
        raise OSError(f"bwrap reported no child process ({data[:200]!r})")
    return parsed
