"""Reading and removing stored results from the CLI: a results service over HTTP, or the
embedded store, behind one interface (``zebench compare``, ``zebench delete``).

Over HTTP every call goes through ``HttpSink``'s retries (network errors, 5xx,
429 with Retry-After); deleting needs an API key with admin scope
(``ZE_BENCHMARKS_API_KEY``), and the service answers 403 to a write-only key.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from zebench.config import DeliverySettings
from zebench.delivery.base import BatchInfo
from zebench.delivery.embedded import EmbeddedSink
from zebench.delivery.http import HttpSink
from zebench.errors import UserError


class ResultsClient(Protocol):
    target: str

    async def batch_info(self, batch_id: str) -> BatchInfo | None:
        """The batch with its runs (scores included), or None when unknown."""
        ...

    async def latest_batch(self, tag: str, *, exclude: str | None = None) -> str | None:
        """The newest completed batch with ``tag`` other than ``exclude``."""
        ...

    async def runs_before(self, before_ms: int, suite: str | None) -> list[str]:
        """Ids of the runs started before ``before_ms``, of ``suite`` when given."""
        ...

    async def delete_runs(self, run_ids: list[str]) -> list[str]:
        """Delete these runs; the ids that existed (and are gone now)."""
        ...

    async def delete_batch(self, batch_id: str) -> list[str] | None:
        """The ids of the runs deleted with the batch; None when there is no such batch."""
        ...

    async def aclose(self) -> None: ...


class HttpResults(HttpSink):
    async def _json(self, path: str) -> Any:
        response = await self._request("GET", path)
        if response.status_code != 200:
            raise self._refusal(response)
        return response.json()

    async def latest_batch(self, tag: str, *, exclude: str | None = None) -> str | None:
        query = urlencode({"tag": tag, "status": "completed", "limit": 2})
        for batch in await self._json(f"/api/batches?{query}"):
            if batch.get("batchId") != exclude:
                return str(batch["batchId"])
        return None

    async def runs_before(self, before_ms: int, suite: str | None) -> list[str]:
        until = datetime.fromtimestamp(before_ms / 1000, UTC).isoformat()
        params = {"until": until, "limit": "1000", **({"suite": suite} if suite else {})}
        ids: list[str] = []
        cursor: str | None = None
        while True:
            query = urlencode({**params, **({"cursor": cursor} if cursor else {})})
            response = await self._request("GET", f"/api/runs?{query}")
            if response.status_code != 200:
                raise self._refusal(response)
            ids += [str(r["runId"]) for r in response.json()]
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                return ids

    async def _delete(self, path: str) -> dict[str, Any] | None:
        response = await self._request("DELETE", path)
        if response.status_code == 404:
            return None
        if response.status_code == 403:
            raise UserError(
                f"{self.base_url} refused to delete: the API key needs admin scope "
                "(ZE_BENCHMARKS_API_KEY)"
            )
        if response.status_code != 200:
            raise self._refusal(response)
        body: dict[str, Any] = response.json()
        return body

    async def delete_runs(self, run_ids: list[str]) -> list[str]:
        deleted = []
        for run_id in run_ids:
            if await self._delete(f"/api/runs/{quote(run_id, safe='')}") is not None:
                deleted.append(run_id)
        return deleted

    async def delete_batch(self, batch_id: str) -> list[str] | None:
        body = await self._delete(f"/api/batches/{quote(batch_id, safe='')}")
        return None if body is None else [str(r) for r in body.get("runIds", [])]


class EmbeddedResults(EmbeddedSink):
    async def latest_batch(self, tag: str, *, exclude: str | None = None) -> str | None:
        from zebench.service.batches import BatchFilter, list_batches

        db = await self._database()

        def read() -> list[str]:
            flt = BatchFilter(status="completed", tag=tag)
            with db.read() as conn:
                return [b.batch_id for b in list_batches(conn, flt, limit=2).rows]

        return next((b for b in await asyncio.to_thread(read) if b != exclude), None)

    async def runs_before(self, before_ms: int, suite: str | None) -> list[str]:
        from zebench.service.deletion import runs_before

        db = await self._database()

        def read() -> list[str]:
            with db.read() as conn:
                return runs_before(conn, before_ms, suite)

        return await asyncio.to_thread(read)

    async def delete_runs(self, run_ids: list[str]) -> list[str]:
        """In one transaction: every statistic is recomputed once."""
        from zebench.service.deletion import delete_runs

        db = await self._database()
        return await db.awrite(lambda conn: delete_runs(conn, run_ids))

    async def delete_batch(self, batch_id: str) -> list[str] | None:
        from zebench.model.errors import NotFound
        from zebench.service.deletion import delete_batch

        db = await self._database()
        try:
            deleted = await db.awrite(lambda conn: delete_batch(conn, batch_id))
        except NotFound:
            return None
        return deleted.run_ids


def open_results(
    settings: DeliverySettings, store_url: str, database_url: str | None = None
) -> ResultsClient:
    """The embedded store at ``database_url`` when given, else the results service at
    ``settings.worker_url`` when set, else the embedded store at ``store_url``."""
    if database_url is None and settings.worker_url:
        return HttpResults(
            settings.worker_url,
            settings.api_key,
            attempts=settings.delivery_attempts,
            backoff_s=settings.delivery_backoff_s,
            timeout_s=settings.delivery_timeout_s,
        )
    return EmbeddedResults(database_url or store_url)
