"""Charts of probed endpoints, drawn on the server as inline SVG: a card's sparkline,
and line charts over labelled steps (successive probes, or a sweep's concurrencies).

Steps are evenly spaced: probes are not days, and a sweep's loads (1, 2, 4, 8)
read best side by side. Every text goes through ``Markup.format`` (escaped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from zebench.web.pages.models_charts import (
    HEIGHT,
    PAD_BOTTOM,
    PAD_LEFT,
    PAD_RIGHT,
    PAD_TOP,
    WIDTH,
    chart_frame,
    nice_ceiling,
)

SPARK_W, SPARK_H = 120, 28


def sparkline_path(values: Sequence[float | None]) -> str:
    """The ``d`` of a sparkline over ``values`` (None leaves a gap); '' when none is known."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    top = max(known) * 1.1 or 1.0
    step = SPARK_W / max(1, len(values) - 1)
    path: list[str] = []
    pen = False
    for i, v in enumerate(values):
        if v is None:
            pen = False
            continue
        y = (SPARK_H - 1) - v / top * (SPARK_H - 3)
        path.append(f"{'L' if pen else 'M'}{i * step:.1f},{y:.1f}")
        pen = True
    return " ".join(path)


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    value: float | None
    note: str = ""


def step_chart(
    steps: Sequence[Step], *, label: str, unit: str, axis: str, decimals: int = 1
) -> Markup:
    """An accessible SVG line chart over ``steps`` in order, or a short note when empty."""
    if not any(s.value is not None for s in steps):
        return Markup('<p class="muted">No {} recorded yet.</p>').format(label.lower())
    top = nice_ceiling(max(s.value or 0.0 for s in steps))
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return PAD_LEFT + (i / (len(steps) - 1) * plot_w if len(steps) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return PAD_TOP + plot_h - value / top * plot_h

    parts = chart_frame(f"{label} by {axis}", top, y)
    every = max(1, len(steps) // 8)  # at most about 8 labels on the axis
    for i, s in enumerate(steps):
        if i % every == 0 or i == len(steps) - 1:
            parts.append(
                Markup(
                    '<text class="tick" x="{x:.1f}" y="{y}" text-anchor="middle">{t}</text>'
                ).format(x=x(i), y=HEIGHT - 12, t=s.label)
            )
    coords = " ".join(
        f"{x(i):.1f},{y(s.value):.1f}" for i, s in enumerate(steps) if s.value is not None
    )
    parts.append(Markup('<polyline class="line" points="{}"/>').format(coords))
    for i, s in enumerate(steps):
        if s.value is None:
            continue
        text = f"{s.label}: {s.value:,.{decimals}f} {unit}" + (f" ({s.note})" if s.note else "")
        parts.append(
            Markup(
                '<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{t}</title></circle>'
            ).format(x=x(i), y=y(s.value), t=text)
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
