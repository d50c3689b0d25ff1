"""The model page's history charts, drawn on the server as inline SVG.

A day is placed by its calendar date, so a day without data leaves a gap in
the line instead of joining its neighbours; today's partial day is drawn as
a hollow point. Every text goes through ``Markup.format`` (escaped).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

WIDTH = 760
HEIGHT = 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 52, 16, 16, 34


@dataclass(frozen=True, slots=True)
class Point:
    day: str
    """YYYY-MM-DD"""
    value: float | None
    partial: bool = False


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^n at or above ``value`` (an axis maximum)."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return 10.0 * magnitude


def line_chart(points: Sequence[Point], *, label: str, unit: str, decimals: int = 1) -> Markup:
    """An accessible SVG line chart of ``points`` (any order), or a short note when empty."""
    known = sorted((p for p in points if p.value is not None), key=lambda p: p.day)
    if not known:
        return Markup('<p class="muted">No {} recorded yet.</p>').format(label.lower())
    first = date.fromisoformat(known[0].day)
    span = max(1, (date.fromisoformat(known[-1].day) - first).days)
    top = nice_ceiling(max(p.value or 0.0 for p in known))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(day: str) -> float:
        return PAD_LEFT + (date.fromisoformat(day) - first).days / span * plot_w

    def y(value: float) -> float:
        return PAD_TOP + plot_h - value / top * plot_h

    parts = chart_frame(f"{label} per day, {known[0].day} to {known[-1].day}", top, y)
    for day in _date_ticks(known[0].day, known[-1].day):
        parts.append(
            Markup('<text class="tick" x="{x:.1f}" y="{y}" text-anchor="middle">{t}</text>').format(
                x=x(day), y=HEIGHT - 12, t=day[5:]
            )
        )
    for run in _runs(known):
        coords = " ".join(f"{x(p.day):.1f},{y(p.value or 0.0):.1f}" for p in run)
        parts.append(Markup('<polyline class="line" points="{}"/>').format(coords))
    for p in known:
        parts.append(
            Markup(
                '<circle class="{c}" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{t}</title></circle>'
            ).format(
                c="dot partial" if p.partial else "dot",
                x=x(p.day),
                y=y(p.value or 0.0),
                t=f"{p.day}: {_number(p.value or 0.0, decimals)} {unit}"
                + (" (partial day)" if p.partial else ""),
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _runs(points: Sequence[Point]) -> list[list[Point]]:
    """Consecutive calendar days, so a missing day breaks the line."""
    runs: list[list[Point]] = []
    previous: date | None = None
    for p in points:
        current = date.fromisoformat(p.day)
        if previous is None or (current - previous).days > 1:
            runs.append([])
        runs[-1].append(p)
        previous = current
    return runs


def _date_ticks(first: str, last: str, count: int = 6) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days = (end - start).days
    if days == 0:
        return [first]
    steps = min(count - 1, days)
    return [
        date.fromordinal(start.toordinal() + round(days * i / steps)).isoformat()
        for i in range(steps + 1)
    ]


def chart_frame(aria_label: str, top: float, y: Callable[[float], float]) -> list[Markup]:
    """The opening of a chart's SVG and its five horizontal grid lines with their values."""
    parts = [
        Markup(
            '<svg class="tps-chart" viewBox="0 0 {w} {h}" role="img" aria-label="{a}"'
            ' preserveAspectRatio="xMidYMid meet">'
        ).format(w=WIDTH, h=HEIGHT, a=aria_label)
    ]
    for i in range(5):
        value = top * i / 4
        parts.append(
            Markup(
                '<line class="grid" x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}"/>'
                '<text class="tick" x="{tx}" y="{ty:.1f}" text-anchor="end">{v}</text>'
            ).format(
                x1=PAD_LEFT,
                x2=WIDTH - PAD_RIGHT,
                y=y(value),
                tx=PAD_LEFT - 6,
                ty=y(value) + 4,
                v=tick_label(value, top),
            )
        )
    return parts


def tick_label(value: float, top: float) -> str:
    """Axis labels: quarters of a nice maximum, without trailing zeros (1.25, 2.5, 5)."""
    if top >= 10:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"
