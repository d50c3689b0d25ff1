"""Reading the source: fetch every document a cycle needs, then parse and summarise.

Nothing here writes. Any fetch that fails (after the client's retries) raises
``SourceError`` and the cycle saves nothing; a chute whose own figures cannot
be parsed is only left out of the snapshot (and logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from zebench.config import ThroughputSettings
from zebench.throughput.records import CatalogueEntry, DailyStat, RecordError
from zebench.throughput.snapshot import ScrapedModel, SourceSnapshot
from zebench.throughput.sources.chutes_html import parse_catalogue_html, parse_stats_html
from zebench.throughput.sources.chutes_json import parse_catalogue, parse_daily_stats
from zebench.throughput.sources.client import SourceClient, SourceError
from zebench.throughput.summaries import summarise

log = logging.getLogger("zebench.throughput")

T = TypeVar("T")


def stats_url(settings: ThroughputSettings) -> str:
    return f"{settings.chutes_api_url.rstrip('/')}/invocations/stats/llm"


def catalogue_url(settings: ThroughputSettings) -> str:
    return f"{settings.chutes_llm_url.rstrip('/')}/v1/models"


def catalogue_page_url(settings: ThroughputSettings) -> str:
    return f"{settings.chutes_web_url.rstrip('/')}/app"


def stats_page_url(settings: ThroughputSettings, chute_id: str) -> str:
    return f"{settings.chutes_web_url.rstrip('/')}/app/chute/{chute_id}?tab=stats"


async def collect(
    settings: ThroughputSettings,
    client: SourceClient,
    *,
    today: date,
    read_offset: Callable[[], Awaitable[int]],
) -> SourceSnapshot:
    """One snapshot from the source chosen by ``settings.chutes_source``.

    ``auto`` reads the JSON API and falls back to the pages when it fails.
    """
    if settings.chutes_source == "html":
        return await collect_html(settings, client, today=today, offset=await read_offset())
    try:
        return await collect_json(settings, client, today=today)
    except SourceError as json_error:
        if settings.chutes_source == "json":
            raise
        log.warning("JSON source failed (%s); falling back to the HTML pages", json_error)
        try:
            snapshot = await collect_html(settings, client, today=today, offset=await read_offset())
        except SourceError as html_error:
            raise SourceError(html_error.url, f"{html_error.reason}; JSON: {json_error}") from None
        snapshot.fallback_reason = str(json_error)
        return snapshot


async def collect_json(
    settings: ThroughputSettings, client: SourceClient, *, today: date
) -> SourceSnapshot:
    stats_doc, catalogue_doc = await _all(
        [client.get_json(stats_url(settings)), client.get_json(catalogue_url(settings))]
    )
    return await asyncio.to_thread(_json_snapshot, settings, stats_doc, catalogue_doc, today)


def _json_snapshot(
    settings: ThroughputSettings, stats_doc: Any, catalogue_doc: Any, today: date
) -> SourceSnapshot:
    try:
        catalogue = parse_catalogue(catalogue_doc)
    except RecordError as exc:
        raise SourceError(catalogue_url(settings), f"unexpected catalogue: {exc}") from None
    if catalogue.skipped:
        log.warning(
            "catalogue: %d entries left out, e.g. %s", len(catalogue.skipped), catalogue.skipped[0]
        )
    if not catalogue.entries:
        raise SourceError(catalogue_url(settings), "the catalogue lists no usable model")
    try:
        stats = parse_daily_stats(stats_doc)
    except RecordError as exc:
        raise SourceError(stats_url(settings), f"unexpected statistics: {exc}") from None
    if not stats.days and not stats.broken:
        raise SourceError(stats_url(settings), "the statistics hold no usable row")
    if stats.dropped_rows:
        log.warning("statistics: %d rows name no usable chute_id", stats.dropped_rows)
    snapshot = SourceSnapshot(source="json", today=today, catalogue=catalogue.entries)
    for entry in catalogue.entries:
        if entry.chute_id in stats.broken:
            _skip(snapshot, entry, stats.broken[entry.chute_id])
        elif days := stats.days.get(entry.chute_id):
            snapshot.scraped.append(ScrapedModel(entry, days, summarise(days, today)))
    return snapshot


async def collect_html(
    settings: ThroughputSettings, client: SourceClient, *, today: date, offset: int
) -> SourceSnapshot:
    """The catalogue page, then the stats pages of the next batch after ``offset``."""
    url = catalogue_page_url(settings)
    page = await client.get_text(url)
    entries = await asyncio.to_thread(parse_catalogue_html, page)
    if not entries:
        raise SourceError(
            url, "no vLLM chute found on the catalogue page (has its layout changed?)"
        )
    entries.sort(key=lambda e: e.chute_id)  # a stable order keeps the offset meaningful
    if offset >= len(entries):
        offset = 0
    end = offset + settings.scrape_html_batch_size
    batch = entries[offset:end]
    pages = await _all([client.get_text(stats_page_url(settings, e.chute_id)) for e in batch])
    snapshot = SourceSnapshot(
        source="html",
        today=today,
        catalogue=entries,
        next_offset=end if end < len(entries) else 0,
    )
    parsed = await asyncio.to_thread(_parse_stats_pages, batch, pages)
    for entry, outcome in zip(batch, parsed, strict=True):
        if isinstance(outcome, str):
            _skip(snapshot, entry, outcome)
        else:
            snapshot.scraped.append(ScrapedModel(entry, outcome, summarise(outcome, today)))
    return snapshot


def _parse_stats_pages(
    batch: Sequence[CatalogueEntry], pages: Sequence[str]
) -> list[list[DailyStat] | str]:
    """Each page's days, or why they could not be read."""
    outcomes: list[list[DailyStat] | str] = []
    for entry, page in zip(batch, pages, strict=True):
        try:
            outcomes.append(parse_stats_html(page, entry.chute_id))
        except RecordError as exc:
            outcomes.append(str(exc))
    return outcomes


def _skip(snapshot: SourceSnapshot, entry: CatalogueEntry, reason: str) -> None:
    log.warning("skipping %s (%s): %s", entry.name, entry.chute_id, reason)
    snapshot.skipped[entry.chute_id] = reason


async def _all(coros: Sequence[Awaitable[T]]) -> list[T]:
    """Await every fetch; if any failed, raise the first failure once all have settled."""
    results = await asyncio.gather(*coros, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]
