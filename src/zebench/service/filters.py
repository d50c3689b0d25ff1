"""Which runs a read is about: the one filter the API and every page share.

The API fills it from its query parameters (exact instants, ``started_from`` /
``started_before``), the pages from theirs (``parse``: whole UTC days, ``since`` /
``until``, and the outcome statuses); both read through the same clauses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from zebench.model.errors import Invalid
from zebench.model.time import DAY_MS
from zebench.service.batch_tags import batches_tagged
from zebench.store.aggregate_tables import NO_MODEL_KEY
from zebench.store.tables import runs

NO_MODEL = "(none)"
"""Filter value meaning "runs without a model" (the echo agent has none)."""

STATUSES = ("completed", "failed", "successful", "unsuccessful")

_EQUALITIES = ("suite", "scenario", "tier", "agent", "model")
FILTER_FIELDS = ("suite", "scenario", "tier", "agent", "model", "status", "batch", "since", "until")


@dataclass(frozen=True)
class RunFilter:
    """Filters combine with AND; None means "any"."""

    suite: str | None = None
    scenario: str | None = None
    tier: str | None = None
    agent: str | None = None
    model: str | None = None
    """A model name, or ``NO_MODEL`` for runs without one."""
    status: str | None = None
    """A stored status, or "successful" / "unsuccessful" (the outcome of a run)."""
    batch: str | None = None
    since: date | None = None
    """First day included (UTC)."""
    until: date | None = None
    """Last day included (UTC)."""
    started_from: int | None = None
    """Started at or after this instant (epoch ms)."""
    started_before: int | None = None
    """Started before this instant (epoch ms)."""
    tag: str | None = None
    """Runs of the batches with this tag (``zebench batch --tag``)."""

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> RunFilter:
        """Read filters from query parameters; empty values mean "any".

        Raises ``Invalid`` naming the parameter when a value cannot be understood.
        """
        values: dict[str, str | None] = {
            name: (params.get(name) or "").strip() or None for name in FILTER_FIELDS
        }
        status = values["status"]
        if status is not None and status not in STATUSES:
            raise Invalid(
                f"status must be one of {', '.join(STATUSES)}",
                {"field": "status", "value": status},
            )
        since = _parse_day("since", values["since"])
        until = _parse_day("until", values["until"])
        if since and until and since > until:
            raise Invalid(
                "since must not be after until",
                {"field": "since", "value": since.isoformat(), "until": until.isoformat()},
            )
        return cls(
            suite=values["suite"],
            scenario=values["scenario"],
            tier=values["tier"],
            agent=values["agent"],
            model=values["model"],
            status=status,
            batch=values["batch"],
            since=since,
            until=until,
        )

    def clauses(self) -> list[ColumnElement[bool]]:
        """These filters over ``runs``."""
        c = runs.c
        out: list[ColumnElement[bool]] = [
            c[name] == getattr(self, name)
            for name in _EQUALITIES
            if name != "model" and getattr(self, name) is not None
        ]
        if self.model == NO_MODEL:
            out.append(c.model.is_(None))
        elif self.model is not None:
            out.append(c.model == self.model)
        out.extend(_status_clauses(self.status, c.status, c.is_successful))
        if self.batch is not None:
            out.append(c.batch_id == self.batch)
        if self.since is not None:
            out.append(c.started_at >= _day_start_ms(self.since))
        if self.until is not None:
            out.append(c.started_at < _day_start_ms(self.until) + DAY_MS)
        if self.started_from is not None:
            out.append(c.started_at >= self.started_from)
        if self.started_before is not None:
            out.append(c.started_at < self.started_before)
        if self.tag is not None:
            out.append(c.batch_id.in_(batches_tagged(self.tag)))
        return out

    def aggregate_dims(self) -> set[str] | None:
        """The run attributes these filters test, as the pre-aggregates name them; None
        when one of them (an exact instant) is in no pre-aggregate."""
        if self.started_from is not None or self.started_before is not None or self.tag:
            return None
        dims = {name for name in _EQUALITIES if getattr(self, name) is not None}
        if self.status is not None:
            dims |= {"status", "successful"}
        if self.batch is not None:
            dims.add("batch_id")
        if self.since is not None or self.until is not None:
            dims.add("day")
        return dims

    def aggregate_clauses(self, table: sa.Table) -> list[ColumnElement[bool]]:
        """These filters over a pre-aggregate ``table`` (see ``aggregate_dims``): the
        same runs as ``clauses`` selects."""
        c = table.c
        out: list[ColumnElement[bool]] = [
            c[name] == getattr(self, name)
            for name in _EQUALITIES
            if name != "model" and getattr(self, name) is not None
        ]
        if self.model is not None:
            out.append(c.model == (NO_MODEL_KEY if self.model == NO_MODEL else self.model))
        out.extend(_status_clauses(self.status, c.status, c.successful))
        if self.batch is not None:
            out.append(c.batch_id == self.batch)
        if self.since is not None:
            out.append(c.day >= _day_start_ms(self.since) // DAY_MS)
        if self.until is not None:
            out.append(c.day <= _day_start_ms(self.until) // DAY_MS)
        return out

    def as_params(self) -> dict[str, str]:
        """The non-empty filters as query parameters (for links that keep them)."""
        out: dict[str, str] = {}
        for name in FILTER_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            out[name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def is_empty(self) -> bool:
        return not self.as_params()


def _status_clauses(
    status: str | None, stored: ColumnElement[str], successful: ColumnElement[bool]
) -> list[ColumnElement[bool]]:
    if status == "successful":
        return [sa.and_(stored == "completed", successful)]
    if status == "unsuccessful":
        return [sa.or_(stored != "completed", sa.not_(successful))]
    return [] if status is None else [stored == status]


def _parse_day(field: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"{field} must be a date written YYYY-MM-DD", {"field": field, "value": value}
        ) from None


def _day_start_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
