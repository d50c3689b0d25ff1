"""CSV and JSON exports of any dashboard table: the rows as the page filtered and sorted them.

Values are raw (numbers unformatted, times as ISO 8601 UTC). In CSV, text
that a spreadsheet would run as a formula (leading ``= + - @``) is prefixed
with an apostrophe: names and details come from agents and submitters.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from fastapi.responses import StreamingResponse

from zebench.model.errors import Invalid
from zebench.web.rendering import SECURITY_HEADERS, iso
from zebench.web.tables import Column

FORMATS = ("csv", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ROWS_PER_CHUNK = 500


def export_format(params: Any) -> str | None:
    """The requested export format, None for the HTML page; unknown formats are named."""
    fmt = params.get("format")
    if not fmt:
        return None
    if fmt not in FORMATS:
        raise Invalid(
            f"format must be one of {', '.join(FORMATS)}", {"field": "format", "value": fmt}
        )
    return str(fmt)


def _value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "time":
        return iso(value)
    return value


def _csv_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_chunks(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    keys = [c.key for c in columns]
    writer.writerow(keys)
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            ["" if (v := _value(c, c.value_of(row))) is None else _csv_text(v) for c in columns]
        )
        if count % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_chunks(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for row in rows:
        item = {c.key: _value(c, c.value_of(row)) for c in columns}
        yield ("" if first else ",") + "\n" + json.dumps(item, ensure_ascii=False)
        first = False
    yield "\n]\n"


def _filename(name: str, fmt: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "export"
    return f"{safe[:80]}.{fmt}"


def export_response(
    fmt: str, name: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> StreamingResponse:
    """Stream ``rows`` (every matching row, not one page) as a download."""
    chunks = _csv_chunks(columns, rows) if fmt == "csv" else _json_chunks(columns, rows)
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{_filename(name, fmt)}"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(chunks, media_type=media, headers=headers)
