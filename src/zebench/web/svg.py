"""Small charts drawn on the server as inline SVG: no script to load, nothing to run.

The overview's one chart is a histogram; drawing it here keeps the first page
free of the 4.8 MB plotly bundle, so it is complete as soon as the HTML is.
Colours come from CSS classes, so light and dark themes apply.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 40


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000):
        if top / step <= 5:
            return step
    return max(1, top // 5)


def histogram(bins: list[tuple[float, float, int]], *, label: str) -> Markup:
    """Bars over 0..10 with a count axis; each bar's tooltip gives its range and count."""
    if not bins:
        return Markup("")
    top = max(n for *_, n in bins) or 1
    step = _nice_step(top)
    top = ((top + step - 1) // step) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    lo, hi = bins[0][0], bins[-1][1]

    def x(value: float) -> float:
        return LEFT + (value - lo) / (hi - lo) * plot_w

    def y(count: float) -> float:
        return TOP + plot_h - count / top * plot_h

    parts = [
        f'<svg class="svg-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">'
    ]
    for tick in range(0, top + 1, step):
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for low, high, n in bins:
        x0, x1 = x(low) + 1, x(high) - 1
        parts.append(
            f'<rect class="bar" x="{x0:.1f}" y="{y(n):.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{TOP + plot_h - y(n):.1f}"><title>{low:g}\u2013{high:g}: {n} runs</title>'
            "</rect>"
        )
    for tick in range(int(lo), int(hi) + 1, 2):
        parts.append(
            f'<text class="tick" x="{x(tick):.1f}" y="{TOP + plot_h + 16}" '
            f'text-anchor="middle">{tick}</text>'
        )
    parts.append(
        f'<text class="axis" x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" '
        'text-anchor="middle">weighted score</text>'
        f'<text class="axis" x="12" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.1f})">runs</text></svg>'
    )
    return Markup("".join(parts))
