"""Delivering into the local database, through the same service code the API runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from zebench.delivery.base import (
    Acknowledged,
    BatchInfo,
    Rejected,
    Unavailable,
    stored_run_of_row,
)
from zebench.model.errors import NotFound, ServiceError
from zebench.model.results import BatchIn, ResultIn
from zebench.store.database import Database

_Model = TypeVar("_Model", bound=BaseModel)


def _database_error(target: str, exc: SQLAlchemyError) -> str:
    # SQLAlchemy appends the statement and its parameters; the first line says what is wrong.
    return f"{target}: {str(exc).splitlines()[0]}"


def _validated(model: type[_Model], payload: dict[str, Any], what: str) -> _Model:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise Rejected(422, f"invalid {what}: {exc.errors(include_url=False)}") from exc


class EmbeddedSink:
    """Writes to ``database_url`` (migrated on first use); closes the database it opened."""

    def __init__(self, database_url: str, db: Database | None = None) -> None:
        self.target = database_url
        self._db = db
        self._owns_db = db is None
        self._ready = asyncio.Lock()
        self._migrated = db is not None

    async def _database(self) -> Database:
        async with self._ready:
            if self._db is None:
                self._db = Database(self.target)
            if not self._migrated:
                from zebench.store.migrate import upgrade

                try:
                    await asyncio.to_thread(upgrade, self._db)
                except SQLAlchemyError as exc:
                    raise Unavailable(_database_error(self.target, exc)) from exc
                self._migrated = True
            return self._db

    async def send_result(self, payload: dict[str, Any]) -> Acknowledged:
        from zebench.service.results import asubmit_result

        result = _validated(ResultIn, payload, "result")
        db = await self._database()
        with self._storing():
            outcome = await asubmit_result(db, result)
        return outcome.status

    async def send_batch(self, payload: dict[str, Any]) -> None:
        from zebench.service.results import upsert_batch

        batch = _validated(BatchIn, payload, "batch")
        db = await self._database()
        with self._storing():
            await db.awrite(lambda conn: upsert_batch(conn, batch))

    @contextmanager
    def _storing(self) -> Iterator[None]:
        """What the service refuses is ``Rejected``; a database failure is ``Unavailable``."""
        try:
            yield
        except ServiceError as exc:
            raise Rejected(exc.status_code, exc.message) from exc
        except SQLAlchemyError as exc:
            raise Unavailable(_database_error(self.target, exc)) from exc

    async def batch_info(self, batch_id: str) -> BatchInfo | None:
        from zebench.service.batches import get_batch
        from zebench.service.runs import runs_of_batch

        db = await self._database()

        def read() -> BatchInfo | None:
            with db.read() as conn:
                try:
                    batch = get_batch(conn, batch_id)
                except NotFound:
                    return None
                return BatchInfo(
                    batch_id=batch_id,
                    created_at=batch.created_at,
                    metadata=batch.details,
                    runs=[stored_run_of_row(r) for r in runs_of_batch(conn, batch_id)],
                )

        return await asyncio.to_thread(read)

    async def aclose(self) -> None:
        if self._db is not None and self._owns_db:
            await asyncio.to_thread(self._db.close)
