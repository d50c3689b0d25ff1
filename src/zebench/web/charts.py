"""Plotly figure specifications, built on the server from the pages' aggregates.

The browser receives them as JSON data (never as code) and draws them with
the plotly.js bundled in the ``plotly`` package; colours for the current
light or dark theme are applied by ``static/dashboard.js``.
"""

from __future__ import annotations

from typing import Any

from zebench.model.time import DAY_MS
from zebench.service.analytics.costs import ScatterPoint
from zebench.service.analytics.leaderboard import HeatMap
from zebench.service.analytics.trends import Series
from zebench.service.batch_comparison import BatchComparison
from zebench.web.rendering import iso

Figure = dict[str, Any]

LABEL_CHARS = 42


def plot_text(value: Any) -> str:
    """Text for plotly, which reads a few HTML tags in labels: entities keep it literal."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncated(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


def short_text(value: Any) -> str:
    return plot_text(_truncated(str(value)))


def axis_labels(values: list[str]) -> list[str]:
    """Short, distinct, literal category labels (long names would crowd out the plot)."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        label = _truncated(value)
        candidate, n = label, 2
        while candidate in seen:
            candidate, n = f"{label} ({n})", n + 1
        seen.add(candidate)
        out.append(plot_text(candidate))
    return out


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0.99,
            "yanchor": "top",
            "font": {"size": 15},
        },
        "margin": {"l": 56, "r": 16, "t": 72, "b": 48},
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
    }
    layout.update(extra)
    return layout


def _time_axis(xs: list[int]) -> list[str]:
    return [iso(x) for x in xs]


def day_axis(xs: list[int]) -> dict[str, Any]:
    """A date axis for day (or week) buckets. Over less than a week plotly would zoom in
    to fractions of a second around a lone point; there, one tick per day, and a day of
    room on either side of the data."""
    axis: dict[str, Any] = {"type": "date"}
    if xs and max(xs) - min(xs) < 7 * DAY_MS:
        axis.update(
            range=[iso(min(xs) - DAY_MS), iso(max(xs) + DAY_MS)],
            dtick=DAY_MS,
            tickformat="%Y-%m-%d",
        )
    return axis


def series_chart(
    series: list[Series], title: str, field: str, y_title: str, *, y_range: list[float] | None
) -> Figure:
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": short_text(s.name),
            "x": _time_axis(s.x),
            "y": getattr(s, field),
            "customdata": s.runs,
            "hovertemplate": "%{fullData.name}<br>%{x|%Y-%m-%d}: %{y:.2f}"
            " (%{customdata} runs)<extra></extra>",
            "connectgaps": False,
        }
        for s in series
    ]
    yaxis: dict[str, Any] = {"title": {"text": y_title}}
    if y_range is not None:
        # A little room past each end, so a point at 0 or at the top is drawn whole.
        pad = (y_range[1] - y_range[0]) * 0.03
        yaxis["range"] = [y_range[0] - pad, y_range[1] + pad]
    return {
        "data": data,
        "layout": _layout(
            title, xaxis=day_axis([x for s in series for x in s.x]), yaxis=yaxis, height=440
        ),
    }


def heat_map(heat: HeatMap) -> Figure:
    text = [[("" if s is None else f"{s:.1f}") for s in row] for row in heat.scores]
    # Rows of 28 px plus the margins (the slanted pair labels take ~160 px): any less
    # and plotly drops every other scenario label.
    height = max(300, 220 + 28 * len(heat.scenarios))
    return {
        "data": [
            {
                "type": "heatmap",
                "z": heat.scores,
                "x": axis_labels(heat.pairs),
                "y": axis_labels(heat.scenarios),
                "text": text,
                "texttemplate": "%{text}",
                "customdata": heat.counts,
                "hovertemplate": "%{y}<br>%{x}<br>mean score %{z:.2f} over %{customdata} runs"
                "<extra></extra>",
                "zmin": 0,
                "zmax": 10,
                "colorscale": "Viridis",
                "colorbar": {"title": {"text": "score"}},
                "hoverongaps": False,
            }
        ],
        "layout": _layout(
            "Mean weighted score: scenario \u00d7 agent/model",
            height=height,
            margin={"l": 220, "r": 16, "t": 44, "b": 120},
            xaxis={"tickangle": -30, "automargin": True, "type": "category", "dtick": 1},
            yaxis={"automargin": True, "type": "category", "dtick": 1},
        ),
    }


def cost_scatter(points: list[ScatterPoint]) -> Figure:
    by_pair: dict[str, list[ScatterPoint]] = {}
    for p in points:
        by_pair.setdefault(p.pair, []).append(p)
    data = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": short_text(pair),
            "x": [p.mean_cost for p in pts],
            "y": [p.mean_score for p in pts],
            "text": [plot_text(p.scenario) for p in pts],
            "customdata": [p.runs for p in pts],
            "marker": {"size": [min(28, 6 + p.runs**0.5) for p in pts], "opacity": 0.8},
            "hovertemplate": "%{fullData.name}<br>%{text}<br>$%{x:.4f} per run, "
            "score %{y:.2f} (%{customdata} runs)<extra></extra>",
        }
        for pair, pts in sorted(by_pair.items())
    ]
    return {
        "data": data,
        "layout": _layout(
            "Mean cost per run against mean weighted score (one point per scenario)",
            xaxis={"title": {"text": "mean cost per run (USD)"}, "rangemode": "tozero"},
            yaxis={"title": {"text": "mean weighted score"}, "range": [0, 10.2]},
        ),
    }


def comparison_deltas(comparison: BatchComparison) -> Figure:
    labels = axis_labels(
        [
            " / ".join(p for p in (c.suite, c.scenario, c.tier, c.agent, c.model) if p)
            for c in comparison.cells
        ]
    )
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": short_text(compared.batch.batch_id),
            "y": labels,
            "x": [c.deltas[i] for c in comparison.cells],
            "hovertemplate": "%{y}: %{x:+.2f}<extra>%{fullData.name}</extra>",
        }
        for i, compared in enumerate(comparison.batches[1:])
    ]
    return {
        "data": data,
        "layout": _layout(
            "Score change per scenario against the baseline",
            barmode="group",
            height=max(280, 60 + 22 * len(labels) * max(1, len(data))),
            margin={"l": 260, "r": 16, "t": 44, "b": 48},
            xaxis={"title": {"text": "Δ mean score (failed runs count 0)"}, "zeroline": True},
            yaxis={"automargin": True, "autorange": "reversed"},
        ),
    }
