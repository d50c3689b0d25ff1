"""What one cycle read from the source, parsed and summarised, before it is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from zebench.throughput.records import CatalogueEntry, DailyStat
from zebench.throughput.summaries import ModelFigures

SourceKind = Literal["json", "html"]


@dataclass(frozen=True, slots=True)
class ScrapedModel:
    entry: CatalogueEntry
    days: list[DailyStat]
    figures: ModelFigures


@dataclass
class SourceSnapshot:
    source: SourceKind
    today: date
    """The UTC day of the scrape: rows dated today are partial."""
    catalogue: list[CatalogueEntry]
    """Every model the source lists now, scraped this cycle or not."""
    scraped: list[ScrapedModel] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    """Chutes whose statistics could not be parsed, and why; their stored figures stay."""
    next_offset: int | None = None
    """Where the next html cycle starts in the catalogue; None leaves the stored offset."""
    fallback_reason: str | None = None
    """Why the JSON source was abandoned for the pages, when it was."""
