"""Templates, the formats figures are shown in, and the headers every page carries.

Jinja2 autoescapes everything (agents, models and submitters write names,
details and transcripts); data for scripts goes through ``|tojson`` into
``<script type="application/json">`` blocks, which the Content-Security-Policy
below lets no browser execute: only our own script files run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from zebench import __version__
from zebench.bounds import MAX_TIME_MS, MIN_TIME_MS
from zebench.display import NO_COST_DATA, NO_MODEL, NO_VALUE, money
from zebench.model.time import to_iso

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Plotly sizes and positions chart parts with style attributes it sets from script.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

DASH = NO_VALUE


def fmt_int(value: Any) -> str:
    return DASH if value is None else f"{int(value):,}"


def fmt_score(value: Any) -> str:
    return DASH if value is None or not math.isfinite(value) else f"{value:.2f}"


def fmt_ratio(value: Any) -> str:
    """A 0..1 value as a 0..1 figure (evaluator scores)."""
    return DASH if value is None else f"{value:.3f}"


def fmt_pct(value: Any) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def fmt_money(value: Any) -> str:
    return money(None if value is None else float(value))


def run_span_ms(run: Any) -> int | None:
    """A run's own time, start to end (``startedAt``/``completedAt`` in ms), or None."""
    started, completed = run.get("startedAt"), run.get("completedAt")
    if started is None or completed is None:
        return None
    return max(int(completed) - int(started), 0)


def group_cost(group: Any) -> str:
    """A group's total cost, or no value when none of its runs reported one."""
    return money(group.cost_sum) if group.cost_runs else NO_VALUE


def fmt_tokens(value: Any) -> str:
    if value is None:
        return DASH
    v = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= limit:
            return f"{v / limit:.1f}{suffix}"
    return f"{int(v)}"


def fmt_duration(ms: Any) -> str:
    if ms is None:
        return DASH
    ms = float(ms)
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def iso(ms: Any) -> str:
    """Seconds-precision ISO 8601 (any stored value: see ``to_iso``)."""
    if ms is None:
        return ""
    text = to_iso(int(ms)) or ""
    return text[:-5] + "Z"


def fmt_time(ms: Any) -> Markup:
    """A UTC time in a <time> element (machine-readable too). A value outside years
    0001-9999 (stored before the service bounded times) is shown as it is, marked."""
    if ms is None:
        return Markup(DASH)
    day, _, clock = iso(ms).partition("T")
    text = f"{day} {clock[:5]} UTC"
    if not MIN_TIME_MS <= ms <= MAX_TIME_MS:
        return Markup('<span class="out-of-range" title="{}">{} (out of range)</span>').format(
            f"{int(ms)} ms since 1970", text
        )
    return Markup('<time datetime="{}">{}</time>').format(iso(ms), text)


def fmt_day(ms: Any) -> str:
    if ms is None:
        return DASH
    return iso(ms).partition("T")[0]


def pretty_json(value: Any) -> str:
    """Indented JSON for reading in a <pre> (autoescaped there like any other text)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def path_part(value: Any) -> str:
    """A value made safe as one URL path segment (ids may hold '/', '?', '#')."""
    return quote(str(value), safe="")


def query(params: dict[str, Any]) -> str:
    """``?a=1&b=2`` from the non-empty parameters ('' when none)."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def status_badge(status: str, successful: bool | None = None) -> Markup:
    if status == "completed" and successful:
        kind, label = "ok", "successful"
    elif status == "completed":
        kind, label = "warn", "completed"
    elif status == "failed":
        kind, label = "bad", "failed"
    else:
        kind, label = "neutral", status
    return Markup('<span class="badge badge-{}">{}</span>').format(kind, escape(label))


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(
    {
        "int": fmt_int,
        "score": fmt_score,
        "ratio": fmt_ratio,
        "pct": fmt_pct,
        "money": fmt_money,
        "tokens": fmt_tokens,
        "duration": fmt_duration,
        "when": fmt_time,
        "day": fmt_day,
        "iso": iso,
        "path_part": path_part,
        "pretty": pretty_json,
    }
)
templates.env.globals.update(
    {
        "query": query,
        "status_badge": status_badge,
        "static_version": __version__,
        "group_cost": group_cost,
        "run_span_ms": run_span_ms,
        "NO_MODEL": NO_MODEL,
        "NO_VALUE": NO_VALUE,
        "NO_COST_DATA": NO_COST_DATA,
    }
)


def compile_templates() -> None:
    """Compile every page's template now (at server start) rather than in the first
    request for each page (up to ~25 ms per page)."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """A page, with the security headers and no caching of figures that change."""
    response = templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=SECURITY_HEADERS
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
