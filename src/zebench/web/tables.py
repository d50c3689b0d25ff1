"""Tables as the pages show them: columns, sort, search, pages and export links.

Every table works without JavaScript: sorting, searching and paging are links
and GET forms, answered by the server. A page may hold several tables; all but
its main one prefix their parameters (``sc_sort``, ``sc_page``…) so each keeps
its own state in the URL.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from zebench.model.errors import Invalid

Row = dict[str, Any]

NUMERIC_KINDS = frozenset(
    {"int", "score", "ratio", "pct", "money", "tokens", "duration", "time", "day"}
)
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"
    """text, int, score, ratio, pct, money, tokens, duration, time, day, status, code, model."""
    sortable: bool = True
    link: Callable[[Row], str | None] | None = None
    ci_key: str | None = None
    """For scores: the row key of the 95% half-width shown as "± x"."""
    help: str | None = None
    """What the figure means, shown as the header's tooltip."""
    compute: Callable[[Row], Any] | None = None
    """For a figure derived from the row's other values (not sortable on the server)."""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def value_of(self, row: Row) -> Any:
        return self.compute(row) if self.compute is not None else row.get(self.key)


@dataclass(frozen=True)
class TableState:
    sort: str
    descending: bool
    page: int
    per_page: int
    search: str

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def param_names(prefix: str) -> dict[str, str]:
    p = f"{prefix}_" if prefix else ""
    return {n: p + n for n in ("sort", "dir", "page", "per", "q")}


def read_state(
    params: Mapping[str, str],
    *,
    prefix: str,
    sortable: Sequence[str],
    default_sort: str,
    default_descending: bool = True,
    per_page: int = 25,
) -> TableState:
    """The table's sort, page and search from the query string (bad values are named)."""
    names = param_names(prefix)
    sort = params.get(names["sort"]) or default_sort
    if sort not in sortable:
        raise Invalid(
            f"{names['sort']} must be one of {', '.join(sortable)}",
            {"field": names["sort"], "value": sort},
        )
    direction = params.get(names["dir"]) or ("desc" if default_descending else "asc")
    if direction not in ("asc", "desc"):
        raise Invalid(
            f"{names['dir']} must be asc or desc", {"field": names["dir"], "value": direction}
        )
    page = _positive_int(params, names["page"], 1)
    size = min(_positive_int(params, names["per"], per_page), MAX_PER_PAGE)
    return TableState(sort, direction == "desc", page, size, (params.get(names["q"]) or "").strip())


def _positive_int(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be a whole number", {"field": name, "value": raw}) from None
    if value < 1:
        raise Invalid(f"{name} must be at least 1", {"field": name, "value": raw})
    return value


@dataclass
class Table:
    id: str
    caption: str
    columns: list[Column]
    rows: list[Row]
    total: int
    state: TableState
    params: dict[str, str]
    """The page's current query parameters, kept in every link the table makes."""
    prefix: str = ""
    empty: str = "Nothing to show."
    empty_hint: str | None = None
    """A command that would produce data, shown under the empty message."""
    searchable: bool = True
    path: str = ""

    @property
    def names(self) -> dict[str, str]:
        return param_names(self.prefix)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.state.per_page))

    @property
    def first_index(self) -> int:
        return self.state.offset + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.state.offset + len(self.rows), self.total)

    def url(self, **changes: Any) -> str:
        params = dict(self.params)
        for key, value in changes.items():
            name = self.names.get(key, key)
            if value is None or value == "":
                params.pop(name, None)
            else:
                params[name] = str(value)
        return self.path + ("?" + urlencode(params) if params else "")

    def sort_url(self, column: Column) -> str:
        descending = not self.state.descending if column.key == self.state.sort else column.numeric
        return self.url(sort=column.key, dir="desc" if descending else "asc", page=None)

    def aria_sort(self, column: Column) -> str:
        if column.key != self.state.sort:
            return "none"
        return "descending" if self.state.descending else "ascending"

    def page_url(self, page: int) -> str:
        return self.url(page=page if page > 1 else None)

    def export_url(self, fmt: str) -> str:
        params = {k: v for k, v in self.params.items() if k not in (self.names["page"],)}
        params.update({"format": fmt, "table": self.id})
        return self.path + "?" + urlencode(params)

    def body(self) -> list[list[tuple[str, str, Markup]]]:
        """The rows of this page as cells ready to print (see ``cells``)."""
        from zebench.web.cells import body

        return body(self.columns, self.rows)

    def hidden_inputs(self) -> list[tuple[str, str]]:
        """Parameters a table's search form must carry to keep the page's other state."""
        own = {self.names["q"], self.names["page"]}
        return [(k, v) for k, v in self.params.items() if k not in own]


def search_rows(rows: list[Row], columns: Sequence[Column], text: str) -> list[Row]:
    if not text:
        return rows
    needle = text.casefold()
    keys = [c.key for c in columns if not c.numeric]
    return [r for r in rows if any(needle in str(r.get(k) or "").casefold() for k in keys)]


def sort_rows(rows: list[Row], key: str, descending: bool) -> list[Row]:
    """Sort by ``key``; rows without a value go last in either direction."""
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]

    def sort_key(r: Row) -> Any:
        value = r[key]
        return value.casefold() if isinstance(value, str) else value

    try:
        present.sort(key=sort_key, reverse=descending)
    except TypeError:  # mixed kinds: compare as text
        present.sort(key=lambda r: str(r[key]).casefold(), reverse=descending)
    return present + missing


def table_from_rows(
    params: Mapping[str, str],
    *,
    id: str,
    caption: str,
    columns: list[Column],
    rows: list[Row],
    default_sort: str,
    default_descending: bool = True,
    prefix: str = "",
    per_page: int = 25,
    path: str = "",
    empty: str = "Nothing to show.",
    empty_hint: str | None = None,
) -> tuple[Table, list[Row]]:
    """A table over rows already in memory (aggregates: at most a few thousand).

    Returns the table (one page of rows) and every matching row in order (for export).
    """
    state = read_state(
        params,
        prefix=prefix,
        sortable=[c.key for c in columns if c.sortable],
        default_sort=default_sort,
        default_descending=default_descending,
        per_page=per_page,
    )
    matching = sort_rows(search_rows(rows, columns, state.search), state.sort, state.descending)
    page = matching[state.offset : state.offset + state.per_page]
    table = Table(
        id=id,
        caption=caption,
        columns=columns,
        rows=page,
        total=len(matching),
        state=state,
        params=dict(params),
        prefix=prefix,
        empty=empty,
        empty_hint=empty_hint,
        path=path,
    )
    return table, matching
