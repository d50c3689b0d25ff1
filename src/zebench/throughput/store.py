"""Saving a snapshot: the models, their daily history and the cycle's bookkeeping.

Everything is written by one job, inside one transaction: a cycle is stored
whole or not at all. Daily rows are compared with what is stored and only new
or changed ones are written, so a steady-state cycle writes about one row per
model (today's) however long the history is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from zebench.store.throughput_tables import meta, model_daily, models
from zebench.throughput.snapshot import ScrapedModel, SourceSnapshot
from zebench.throughput.summaries import is_partial
from zebench.throughput.upsert import upsert

META_HTML_OFFSET = "chutes.html_offset"
META_SCRAPED_AT = "chutes.scraped_at"
META_LAST_CYCLE = "chutes.last_cycle"

_CHUNK = 500
"""Ids per IN (...) list: far below SQLite's bound-parameter limit."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SaveCounts:
    models_updated: int
    models_added: int
    models_delisted: int
    daily_rows_written: int


def save_snapshot(conn: Connection, snapshot: SourceSnapshot, *, now_ms: int) -> SaveCounts:
    # Probed endpoints share the table but not the catalogue: a scrape never delists them.
    listed_before = dict(
        conn.execute(
            sa.select(models.c.chute_id, models.c.listed).where(models.c.source != "probe")
        ).all()
    )
    scraped_ids = {m.entry.chute_id for m in snapshot.scraped}
    upsert(
        conn,
        models,
        [_model_row(m, snapshot, now_ms) for m in snapshot.scraped],
        keys=["chute_id"],
        keep_when_null=["price_prompt", "price_completion"],
    )
    _refresh_catalogue_only(conn, snapshot, listed_before, scraped_ids, now_ms)
    catalogue_ids = {e.chute_id for e in snapshot.catalogue}
    delisted = [cid for cid, listed in listed_before.items() if listed and cid not in catalogue_ids]
    for chunk in chunks(delisted):
        conn.execute(models.update().where(models.c.chute_id.in_(chunk)).values(listed=False))
    written = _save_daily(conn, snapshot, now_ms)
    if snapshot.next_offset is not None:
        set_meta(conn, META_HTML_OFFSET, str(snapshot.next_offset))
    set_meta(conn, META_SCRAPED_AT, str(now_ms))
    added = sum(1 for e in snapshot.catalogue if e.chute_id not in listed_before)
    return SaveCounts(
        models_updated=len(scraped_ids),
        models_added=added,
        models_delisted=len(delisted),
        daily_rows_written=written,
    )


def get_meta(conn: Connection, key: str) -> str | None:
    value: str | None = conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar()
    return value


def set_meta(conn: Connection, key: str, value: str) -> None:
    upsert(conn, meta, [{"key": key, "value": value}], keys=["key"])


def html_offset(conn: Connection) -> int:
    value = get_meta(conn, META_HTML_OFFSET)
    try:
        return max(0, int(value)) if value is not None else 0
    except ValueError:
        return 0


def _model_row(model: ScrapedModel, snapshot: SourceSnapshot, now_ms: int) -> dict[str, Any]:
    f = model.figures
    return {
        "chute_id": model.entry.chute_id,
        "name": model.entry.name,
        "listed": True,
        "latest_tps": f.latest_tps,
        "latest_ttft": f.latest_ttft,
        "latest_requests": f.latest_requests,
        "latest_date": f.latest_date,
        "latest_is_partial": f.latest_is_partial,
        "avg_7d": f.avg_7d,
        "avg_30d": f.avg_30d,
        "peak_tps": f.peak_tps,
        "peak_date": f.peak_date,
        "full_day_date": f.full_day_date,
        "full_day_tps": f.full_day_tps,
        "full_day_ttft": f.full_day_ttft,
        "full_day_requests": f.full_day_requests,
        "tps_7d_weighted": f.tps_7d_weighted,
        "tps_30d_weighted": f.tps_30d_weighted,
        "ttft_7d_weighted": f.ttft_7d_weighted,
        "ttft_30d_weighted": f.ttft_30d_weighted,
        "requests_7d": f.requests_7d,
        "requests_30d": f.requests_30d,
        "days_tracked": f.days_tracked,
        "trend_tps": orjson.dumps(f.trend_tps).decode(),
        "price_prompt": model.entry.price_prompt,
        "price_completion": model.entry.price_completion,
        "source": snapshot.source,
        "scraped_at": now_ms,
    }


def _refresh_catalogue_only(
    conn: Connection,
    snapshot: SourceSnapshot,
    listed_before: dict[str, bool],
    scraped_ids: set[str],
    now_ms: int,
) -> None:
    """Listed models without fresh figures: keep their figures, refresh name and prices."""
    entries = [e for e in snapshot.catalogue if e.chute_id not in scraped_ids]
    new = [
        {
            "chute_id": e.chute_id,
            "name": e.name,
            "listed": True,
            "price_prompt": e.price_prompt,
            "price_completion": e.price_completion,
            "source": snapshot.source,
            "scraped_at": now_ms,
        }
        for e in entries
        if e.chute_id not in listed_before
    ]
    if new:
        conn.execute(models.insert(), new)
    known = [
        {
            "b_id": e.chute_id,
            "b_name": e.name,
            "b_prompt": e.price_prompt,
            "b_completion": e.price_completion,
        }
        for e in entries
        if e.chute_id in listed_before
    ]
    if known:
        conn.execute(
            models.update()
            .where(models.c.chute_id == sa.bindparam("b_id"))
            .values(
                name=sa.bindparam("b_name"),
                listed=True,
                price_prompt=sa.func.coalesce(sa.bindparam("b_prompt"), models.c.price_prompt),
                price_completion=sa.func.coalesce(
                    sa.bindparam("b_completion"), models.c.price_completion
                ),
            ),
            known,
        )


_DAILY_VALUES = (
    "total_requests",
    "total_input_tokens",
    "total_output_tokens",
    "average_tps",
    "average_ttft",
    "is_partial",
)


def _save_daily(conn: Connection, snapshot: SourceSnapshot, now_ms: int) -> int:
    stored = _stored_daily(conn, [m.entry.chute_id for m in snapshot.scraped])
    changed: list[dict[str, Any]] = []
    for model in snapshot.scraped:
        for day in model.days:
            values = (
                day.total_requests,
                day.total_input_tokens,
                day.total_output_tokens,
                day.average_tps,
                day.average_ttft,
                is_partial(day.date, snapshot.today),
            )
            if stored.get((model.entry.chute_id, day.date)) == values:
                continue
            row: dict[str, Any] = dict(zip(_DAILY_VALUES, values, strict=True))
            row.update(chute_id=model.entry.chute_id, date=day.date, updated_at=now_ms)
            changed.append(row)
    for chunk in chunks(changed, 5000):
        upsert(conn, model_daily, chunk, keys=["chute_id", "date"])
    return len(changed)


def _stored_daily(
    conn: Connection, chute_ids: Sequence[str]
) -> dict[tuple[str, str], tuple[Any, ...]]:
    columns = [model_daily.c[name] for name in _DAILY_VALUES]
    stored: dict[tuple[str, str], tuple[Any, ...]] = {}
    for chunk in chunks(chute_ids):
        query = sa.select(model_daily.c.chute_id, model_daily.c.date, *columns).where(
            model_daily.c.chute_id.in_(chunk)
        )
        for row in conn.execute(query):
            stored[(row[0], row[1])] = (*row[2:7], bool(row[7]))
    return stored


def chunks(items: Iterable[T], size: int = _CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: by default, ids for one IN (...) list."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
