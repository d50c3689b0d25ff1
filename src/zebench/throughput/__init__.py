"""Model throughput leaderboard: scrape the public LLM speed statistics, keep the
daily history, and serve per-model figures.

``Scraper.run_cycle`` runs one cycle (``zebench scrape``, ``POST /api/scrape``
and the in-server schedule all call it); ``list_models`` and ``get_model`` are
what the API and the pages show.
"""

from zebench.throughput.cycle import CycleSummary, Scraper
from zebench.throughput.queries import cycle_out, get_model, list_models
from zebench.throughput.scheduler import ScrapeSchedule, check_cron, scraper_for, start_schedule

__all__ = [
    "CycleSummary",
    "ScrapeSchedule",
    "Scraper",
    "check_cron",
    "cycle_out",
    "get_model",
    "list_models",
    "scraper_for",
    "start_schedule",
]
