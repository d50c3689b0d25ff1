"""How values read wherever a person sees them: the dashboard, the CLI's tables.

One spelling each, so that a run without a model or a figure nobody reported
looks the same on every page and in every summary.
"""

from __future__ import annotations

NO_MODEL = "(no model)"
"""A run whose agent was given no model (the ``model`` filter's value stays ``(none)``)."""

NO_VALUE = "\u2014"
"""A figure that is not known: no cost reported, no score, no duration."""

NO_COST_DATA = "No cost data: none of these runs reported a cost."
"""What a cost chart or total says instead of $0.00 when no run reported one."""


def model_name(model: str | None) -> str:
    return model if model else NO_MODEL


def money(value: float | None) -> str:
    """US dollars: cents, or four decimals below one cent so small costs stay visible."""
    if value is None:
        return NO_VALUE
    if value != 0 and abs(value) < 0.01:
        return f"${value:.4f}"
    return f"${value:,.2f}"
