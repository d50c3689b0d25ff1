"""Settings for tests, given group by group as the model holds them."""

from __future__ import annotations

from typing import Any

from zebench.config import Settings


def settings_with(values: dict[str, Any], overrides: dict[str, Any]) -> Settings:
    """``Settings(**values)`` with ``overrides`` laid over it group by group, so
    ``server={"port": 1}`` changes the port and keeps the other server fields."""
    merged = {
        key: dict(value) if isinstance(value, dict) else value for key, value in values.items()
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return Settings(**merged)
