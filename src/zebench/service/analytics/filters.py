"""Which runs a page is about: the filters every dashboard view shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from zebench.service.errors import Invalid
from zebench.service.timeutil import DAY_MS
from zebench.store.tables import runs

NO_MODEL = "(none)"
"""Filter value meaning "runs without a model" (the echo agent has none)."""

STATUSES = ("completed", "failed", "successful", "unsuccessful")

FILTER_FIELDS = ("suite", "scenario", "tier", "agent", "model", "status", "batch", "since", "until")


@dataclass(frozen=True)
class RunFilter:
    suite: str | None = None
    scenario: str | None = None
    tier: str | None = None
    agent: str | None = None
    model: str | None = None
    status: str | None = None
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
        out: list[ColumnElement[bool]] = []
        for name, column in (
            ("suite", runs.c.suite),
            ("scenario", runs.c.scenario),
            ("tier", runs.c.tier),
            ("agent", runs.c.agent),
            ("batch", runs.c.batch_id),
        ):
            value = getattr(self, name)
            if value is not None:
                out.append(column == value)
        if self.model == NO_MODEL:
            out.append(runs.c.model.is_(None))
        elif self.model is not None:
            out.append(runs.c.model == self.model)
        if self.status == "successful":
            out.append(sa.and_(runs.c.status == "completed", runs.c.is_successful))
        elif self.status == "unsuccessful":
            out.append(sa.or_(runs.c.status != "completed", sa.not_(runs.c.is_successful)))
        elif self.status is not None:
            out.append(runs.c.status == self.status)
        if self.since is not None:
            out.append(runs.c.started_at >= _day_start_ms(self.since))
        if self.until is not None:
            out.append(runs.c.started_at < _day_start_ms(self.until) + DAY_MS)
        return out

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
