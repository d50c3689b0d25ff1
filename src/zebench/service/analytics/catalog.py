"""What exists: the values each filter can take, and the suites/scenarios view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from zebench.service.analytics.groups import roll_up, stats_row
from zebench.service.analytics.sources import cells
from zebench.service.filters import NO_MODEL, RunFilter


@dataclass(frozen=True)
class FilterOptions:
    suites: list[str]
    scenarios: list[str]
    tiers: list[str]
    agents: list[str]
    models: list[str]
    """Model names, plus ``NO_MODEL`` when some runs have none."""


@dataclass(frozen=True)
class Catalog:
    options: FilterOptions
    suites: list[dict[str, Any]]
    scenarios: list[dict[str, Any]]


def compute_catalog(conn: Connection, flt: RunFilter) -> Catalog:
    fine = cells(conn, flt)
    models = {g.key[4] for g in fine}
    options = FilterOptions(
        suites=sorted({g.key[0] for g in fine}),
        scenarios=sorted({g.key[1] for g in fine}),
        tiers=sorted({g.key[2] for g in fine}),
        agents=sorted({g.key[3] for g in fine}),
        models=sorted(m for m in models if m is not None) + ([NO_MODEL] if None in models else []),
    )
    tiers_of: dict[tuple[str, str], set[str]] = {}
    pairs_of: dict[tuple[str, str], set[tuple[str, str | None]]] = {}
    for g in fine:
        tiers_of.setdefault((g.key[0], g.key[1]), set()).add(g.key[2])
        pairs_of.setdefault((g.key[0], g.key[1]), set()).add((g.key[3], g.key[4]))
    scenarios = [
        {
            "suite": k[0],
            "scenario": k[1],
            "tiers": " ".join(sorted(tiers_of[k])),
            "pairs": len(pairs_of[k]),
            **stats_row(g),
        }
        for k, g in roll_up(fine, lambda k: (k[0], k[1])).items()
    ]
    suites = [
        {
            "suite": k[0],
            "scenarioCount": sum(1 for s in scenarios if s["suite"] == k[0]),
            **stats_row(g),
        }
        for k, g in roll_up(fine, lambda k: (k[0],)).items()
    ]
    return Catalog(options=options, suites=suites, scenarios=scenarios)
