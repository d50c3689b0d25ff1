"""What a call cost, when the provider does not say.

Provider-reported cost (OpenRouter's ``usage.cost``) always wins; this table is the
fallback. Prices are US dollars per million tokens; ``ZEBENCH_LLM_PRICES`` adds or
overrides entries. A model that is in neither gets no cost (None), never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping

from zebench.config import LLMSettings, ModelPrice
from zebench.llm.chat import TokenUsage

# First-party list prices. Cache writes cost 1.25x input and cache reads 0.1x
# (Anthropic's published multipliers); other providers report no cache tokens here.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "claude-opus-4-1": ModelPrice(input=15.0, output=75.0),
    "claude-opus-4": ModelPrice(input=15.0, output=75.0),
    "claude-sonnet-4-5": ModelPrice(input=3.0, output=15.0),
    "claude-sonnet-4": ModelPrice(input=3.0, output=15.0),
    "claude-3-7-sonnet": ModelPrice(input=3.0, output=15.0),
    "claude-3-5-sonnet": ModelPrice(input=3.0, output=15.0),
    "claude-haiku-4-5": ModelPrice(input=1.0, output=5.0),
    "claude-3-5-haiku": ModelPrice(input=0.8, output=4.0),
    "claude-3-haiku": ModelPrice(input=0.25, output=1.25),
    "gpt-4o": ModelPrice(input=2.5, output=10.0),
    "gpt-4o-mini": ModelPrice(input=0.15, output=0.6),
    "gpt-4.1": ModelPrice(input=2.0, output=8.0),
    "gpt-4.1-mini": ModelPrice(input=0.4, output=1.6),
    "gpt-4.1-nano": ModelPrice(input=0.1, output=0.4),
    "o3-mini": ModelPrice(input=1.1, output=4.4),
    "o4-mini": ModelPrice(input=1.1, output=4.4),
}

CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1


def price_table(settings: LLMSettings) -> dict[str, ModelPrice]:
    """Built-in prices overlaid with the configured ones (keys compared case-insensitively)."""
    table = {k.lower(): v for k, v in DEFAULT_PRICES.items()}
    table.update({k.lower(): v for k, v in settings.llm_prices.items()})
    return table


def find_price(table: Mapping[str, ModelPrice], model: str) -> ModelPrice | None:
    """Exact name first, then without an ``org/`` prefix and with dots as dashes, then
    the longest table entry the name starts with (dated snapshots: ``gpt-4o-2024-08-06``)."""
    name = model.strip().lower()
    bare = name.rsplit("/", 1)[-1]
    candidates = [name, bare, bare.replace(".", "-")]
    for candidate in candidates:
        if candidate in table:
            return table[candidate]
    best: str | None = None
    for key in table:
        if any(c.startswith(key + "-") for c in candidates) and (
            best is None or len(key) > len(best)
        ):
            best = key
    return table[best] if best else None


def cost_usd(table: Mapping[str, ModelPrice], model: str, usage: TokenUsage) -> float | None:
    price = find_price(table, model)
    if price is None:
        return None
    dollars = (
        usage.input * price.input
        + usage.cache_write * price.input * CACHE_WRITE_FACTOR
        + usage.cache_read * price.input * CACHE_READ_FACTOR
        + usage.output * price.output
    )
    return dollars / 1_000_000
