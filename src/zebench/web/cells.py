"""Table cells as HTML, formatted in Python: a page of 50 runs has some 650 cells,
and doing this here instead of in a template macro makes a page several times faster
to render. Every value is escaped (``markupsafe``) exactly as the templates would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from zebench.display import NO_MODEL, NO_VALUE
from zebench.web import rendering as fmt
from zebench.web.tables import Column, Row

_PLAIN: dict[str, Callable[[Any], str]] = {
    "int": fmt.fmt_int,
    "score": fmt.fmt_score,
    "ratio": fmt.fmt_ratio,
    "pct": fmt.fmt_pct,
    "money": fmt.fmt_money,
    "tokens": fmt.fmt_tokens,
    "duration": fmt.fmt_duration,
    "day": fmt.fmt_day,
}
_MISSING = Markup('<span class="muted">{}</span>').format(NO_VALUE)
_NO_MODEL = Markup('<span class="muted">{}</span>').format(NO_MODEL)


def _content(col: Column, row: Row, value: Any) -> Markup:
    plain = _PLAIN.get(col.kind)
    if plain is not None:
        text = escape(plain(value))
        if col.kind == "score" and col.ci_key and row.get(col.ci_key) is not None:
            text += Markup('<span class="ci"> \u00b1 {}</span>').format(
                fmt.fmt_score(row[col.ci_key])
            )
        return text
    if col.kind == "time":
        return fmt.fmt_time(value)
    if col.kind == "model" and not value:
        return _NO_MODEL
    if value is None or value == "":
        return _MISSING
    return escape(value)


def cell_html(col: Column, row: Row) -> Markup:
    """What goes inside the ``<td>`` of ``col`` for ``row``."""
    value = col.value_of(row)
    if col.kind == "status":
        return fmt.status_badge(str(value), row.get("isSuccessful"))
    if col.kind == "select":
        return Markup(
            '<input type="checkbox" name="ids" value="{0}" form="compare-form" '
            'aria-label="Compare batch {0}">'
        ).format(value)
    text = _content(col, row, value)
    href = col.link(row) if col.link else None
    if href:
        css = ' class="code"' if col.kind == "code" else ""
        return Markup('<a href="{}"{}>{}</a>').format(href, Markup(css), text)
    if col.kind == "code":
        return Markup('<span class="code">{}</span>').format(text)
    return text


def cell_class(col: Column) -> str:
    if col.numeric:
        return "num"
    return "error-cell" if col.key == "error" else col.kind


def body(columns: list[Column], rows: list[Row]) -> list[list[tuple[str, str, Markup]]]:
    """Per row, per column: (CSS class, label for small screens, cell HTML)."""
    heads = [(cell_class(c), c.label) for c in columns]
    return [
        [
            (css, label, cell_html(col, row))
            for (css, label), col in zip(heads, columns, strict=True)
        ]
        for row in rows
    ]
