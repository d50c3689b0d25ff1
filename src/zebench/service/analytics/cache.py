"""Aggregates remembered until the data change, refreshed behind the reader's back.

A page's aggregates depend only on the stored runs, and the data version
(``version.data_version``) says cheaply whether those changed. Between two
writes every reader of a page shares one computation. After a write, the
first reader gets the previous figures at once (tagged with the version they
reflect) while one background thread recomputes them (only for figures that
took long to compute; cheap ones are recomputed on the spot); the page's live
script sees that its version is behind and fetches again a moment later.
So no reader waits for a full recomputation once a page has been computed,
however large the store, and results still appear within a second or two.

The cache lives in one process; each server process keeps its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from zebench.model.errors import ServiceError

T = TypeVar("T")

log = logging.getLogger(__name__)

_MAX_ENTRIES = 256


STALE_AFTER_S = 0.05
"""Aggregates cheaper than this are recomputed while the reader waits: serving
stale figures only pays off when a recomputation would be noticed."""


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    value: T
    version: str
    """The data version ``value`` was computed at."""
    seconds: float = 0.0
    """How long computing it took."""


class AggregateCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, Snapshot[Any]] = OrderedDict()
        self._pending: dict[Hashable, Future[Snapshot[Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: str, compute: Callable[[], Snapshot[T]]) -> Snapshot[T]:
        """The value for ``key`` at ``version``, or (when it was slow to compute) the
        last one computed while a fresh one is computed in the background.

        ``compute`` returns the value with the version it actually read, which
        may be newer than ``version`` when a write landed in between.

        Concurrent callers asking for the same key and version share one computation.
        """
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                if hit.version == version:
                    return hit
            pending = self._pending.get(key)
            if pending is None:
                pending = Future()
                self._pending[key] = pending
                owner = True
            else:
                owner = False
        if hit is not None and hit.seconds >= STALE_AFTER_S:
            if owner:
                threading.Thread(
                    target=self._fill,
                    args=(key, compute, pending),
                    name="zebench-aggregates",
                    daemon=True,
                ).start()
            return hit
        if owner:
            self._fill(key, compute, pending)
        return pending.result()

    def _fill(
        self,
        key: Hashable,
        compute: Callable[[], Snapshot[Any]],
        pending: Future[Snapshot[Any]],
    ) -> None:
        started = time.perf_counter()
        try:
            snapshot = replace(compute(), seconds=time.perf_counter() - started)
        except BaseException as exc:
            # A bad request (an unknown batch id...) is the caller's to answer, not a fault.
            if not isinstance(exc, ServiceError):
                log.exception("computing dashboard aggregate %r failed", key)
            with self._lock:
                self._pending.pop(key, None)
            pending.set_exception(exc)
            return
        with self._lock:
            self._entries[key] = snapshot
            self._entries.move_to_end(key)
            while len(self._entries) > _MAX_ENTRIES:
                self._entries.popitem(last=False)
            self._pending.pop(key, None)
        pending.set_result(snapshot)
