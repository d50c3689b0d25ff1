"""Which runs a page is about: the filters every dashboard view shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from zebench.service.errors import Invalid
from zebench.service.rollups import NO_MODEL as KEY_NO_MODEL
from zebench.service.runs import RunFields
from zebench.service.runs import RunFilter as ApiRunFilter
from zebench.service.timeutil import DAY_MS
from zebench.store.tables import runs

NO_MODEL = "(none)"
"""Filter value meaning "runs without a model" (the echo agent has none)."""

STATUSES = ("completed", "failed", "successful", "unsuccessful")
_OUTCOMES = ("successful", "unsuccessful")
"""Statuses that are not a stored ``status`` value but a condition on the outcome."""

_EQUALITIES = ("suite", "scenario", "tier", "agent", "model")
FILTER_FIELDS = ("suite", "scenario", "tier", "agent", "model", "status", "batch", "since", "until")


@dataclass(frozen=True)
class RunFilter(RunFields):
    batch: str | None = None
    since: date | None = None
    """First day included (UTC)."""
    until: date | None = None
    """Last day included (UTC)."""

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
        """The API filter's clauses, plus what only the dashboard offers: ``NO_MODEL``
        (model IS NULL) and the successful/unsuccessful statuses."""
        out = self.api_filter().clauses()
        if self.model == NO_MODEL:
            out.append(runs.c.model.is_(None))
        if self.status == "successful":
            out.append(sa.and_(runs.c.status == "completed", runs.c.is_successful))
        elif self.status == "unsuccessful":
            out.append(sa.or_(runs.c.status != "completed", sa.not_(runs.c.is_successful)))
        return out

    def rollup_dims(self) -> set[str] | None:
        """The run attributes these filters test, as the dashboard pre-aggregates name
        them; None when one of them (the batch) is not in any pre-aggregate."""
        if self.batch is not None:
            return None
        dims = {name for name in _EQUALITIES if getattr(self, name) is not None}
        if self.status is not None:
            dims |= {"status", "successful"}
        if self.since is not None or self.until is not None:
            dims.add("day")
        return dims

    def rollup_clauses(self, table: sa.Table) -> list[ColumnElement[bool]]:
        """These filters over a dashboard pre-aggregate ``table`` (see ``rollup_dims``):
        the same runs as ``clauses`` selects, whole UTC days for the date range."""
        c = table.c
        out: list[ColumnElement[bool]] = [
            c[name] == getattr(self, name)
            for name in _EQUALITIES
            if name != "model" and getattr(self, name) is not None
        ]
        if self.model is not None:
            out.append(c.model == (KEY_NO_MODEL if self.model == NO_MODEL else self.model))
        if self.status == "successful":
            out.append(sa.and_(c.status == "completed", c.successful))
        elif self.status == "unsuccessful":
            out.append(sa.or_(c.status != "completed", sa.not_(c.successful)))
        elif self.status is not None:
            out.append(c.status == self.status)
        if self.since is not None:
            out.append(c.day >= _day_start_ms(self.since) // DAY_MS)
        if self.until is not None:
            out.append(c.day <= _day_start_ms(self.until) // DAY_MS)
        return out

    def api_filter(self) -> ApiRunFilter:
        """The equality and time-range part, as the API's filter (days become epoch ms)."""
        return ApiRunFilter(
            suite=self.suite,
            scenario=self.scenario,
            tier=self.tier,
            agent=self.agent,
            model=None if self.model == NO_MODEL else self.model,
            status=None if self.status in _OUTCOMES else self.status,
            batch_id=self.batch,
            since=None if self.since is None else _day_start_ms(self.since),
            until=None if self.until is None else _day_start_ms(self.until) + DAY_MS,
        )

    def as_params(self) -> dict[str, str]:
        """The non-empty filters as query parameters (for links that keep them)."""
        out: dict[str, str] = {}
        for name, value in asdict(self).items():
            if value is None:
                continue
            out[name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def is_empty(self) -> bool:
        return not self.as_params()


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
