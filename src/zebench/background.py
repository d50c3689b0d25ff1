"""Work a server process keeps doing in the background until it stops: the scrape and
probe schedules and the webhook sender share how they start, stop and name a holder."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid


def process_holder() -> str:
    """Who holds a lease: readable (host, pid) and unique (a random suffix)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class BackgroundLoop:
    """Runs ``_loop`` as one task from ``start`` until ``stop`` cancels it (work in
    progress is cancelled with it; each loop says what that leaves behind)."""

    def __init__(self, task_name: str) -> None:
        self.task_name = task_name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=self.task_name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        raise NotImplementedError
