"""The sandbox of the run in progress, for code that runs commands on its behalf.

The runner sets it for the run's whole life; ``run_command`` and the agents' tools
use it when they are not handed one, so a command added anywhere in a run's
pipeline is contained without being told to be.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from zebench.sandbox.base import Sandbox

_current: ContextVar[Sandbox | None] = ContextVar("zebench_sandbox", default=None)


def current_sandbox() -> Sandbox | None:
    return _current.get()


@contextmanager
def using_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    token = _current.set(sandbox)
    try:
        yield sandbox
    finally:
        _current.reset(token)
