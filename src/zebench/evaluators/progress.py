"""Baseline-relative rules: what one check or one test did between the untouched fixture
and the agent's workspace, and what a set of them is worth.

Every check and validation command runs twice: on the untouched fixture ("before")
and after the agent ("after"). Its state says what the agent's work changed:

- ``progress``: failed before, passes after (earns its weight);
- ``not-fixed``: failed before and after (a target the agent missed);
- ``guard``: passed before and after (was already true: earns nothing);
- ``regression``: passed before, fails after (the agent broke it: costs its weight);
- ``weakened``: a test the fixture had is gone, skipped or xfailed after (no credit;
  costs like a regression when it passed before);
- ``unmeasured``: the command could not run before (a missing program), so nothing
  can be said; ``flaky``: a test that passed and failed on the same fixture;
  ``new``: a test the fixture did not have; ``skipped``: skipped before already.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from zebench.evaluators.base import Metric
from zebench.workspace.junit import JUnitReport

State = Literal[
    "progress",
    "not-fixed",
    "guard",
    "regression",
    "weakened",
    "unmeasured",
    "flaky",
    "new",
    "skipped",
]
STATES: frozenset[str] = frozenset(State.__args__)  # type: ignore[attr-defined]
TARGET_STATES: frozenset[State] = frozenset({"progress", "not-fixed"})
"""States of an item that failed before: what the agent had to fix."""


@dataclass(frozen=True)
class Item:
    """One check, validation command or test, before and after."""

    kind: str
    name: str
    weight: float
    state: State
    before: str
    after: str
    message: str = ""
    output_tail: str = ""
    was_target: bool = False
    """Failed before: counts in the targets even when it is now ``weakened``."""

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "weight": self.weight,
            "state": self.state,
            "before": self.before,
            "after": self.after,
            "message": self.message,
        }
        if self.output_tail:
            entry["outputTail"] = self.output_tail
        if self.was_target:
            entry["wasTarget"] = True
        return entry

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> Item:
        """The item ``to_json`` wrote (stored evidence, for rescoring)."""
        return cls(
            kind=str(entry["kind"]),
            name=str(entry["name"]),
            weight=float(entry["weight"]),
            state=entry["state"],
            before=str(entry.get("before", "")),
            after=str(entry.get("after", "")),
            message=str(entry.get("message", "")),
            output_tail=str(entry.get("outputTail", "")),
            was_target=bool(entry.get("wasTarget", False)),
        )


def state_of(before: bool | None, after: bool | None) -> State:
    """The state of a pass/fail check; ``None`` means it could not run."""
    if before is None:
        return "unmeasured"
    if before:
        return "guard" if after else "regression"
    return "progress" if after else "not-fixed"


def word(passed: bool | None) -> str:
    return "could not run" if passed is None else "passed" if passed else "failed"


def _test_state(before: str | None, after: str | None) -> tuple[State, bool]:
    """(state, was a target) of one test id from its outcome before and after."""
    if before is None:
        return "new", False
    if before == "skipped":
        return "skipped", False
    gone = after in (None, "skipped")
    if before == "failed":
        return ("weakened" if gone else "progress" if after == "passed" else "not-fixed"), True
    return ("weakened" if gone else "guard" if after == "passed" else "regression"), False


def compare_tests(before: JUnitReport, after: JUnitReport, flaky: Iterable[str] = ()) -> list[Item]:
    """One item per test id of either report, sorted by id; ``flaky`` ids are left out
    of the score (state ``flaky``)."""
    flaky_ids = set(flaky)
    items: list[Item] = []
    for test_id in sorted(set(before.tests) | set(after.tests)):
        b, a = before.status(test_id), after.status(test_id)
        state, target = _test_state(b, a)
        if test_id in flaky_ids and b is not None:
            state, target = "flaky", False
        case = after.tests.get(test_id)
        message = case.message if case is not None else "not in the report after the agent ran"
        items.append(
            Item("test", test_id, 1.0, state, b or "absent", a or "absent", message, "", target)
        )
    return items


@dataclass(frozen=True)
class Tally:
    """What a set of items is worth: gain over the targets, loss over everything measured."""

    target_weight: float
    fixed_weight: float
    measured_weight: float
    lost_weight: float
    weakened: int

    @property
    def gain(self) -> float | None:
        return self.fixed_weight / self.target_weight if self.target_weight > 0 else None

    @property
    def loss(self) -> float:
        return self.lost_weight / self.measured_weight if self.measured_weight > 0 else 0.0


def tally(items: Sequence[Item]) -> Tally:
    def weight(predicate: Any) -> float:
        return math.fsum(item.weight for item in items if predicate(item))

    return Tally(
        target_weight=weight(lambda i: i.was_target or i.state in TARGET_STATES),
        fixed_weight=weight(lambda i: i.state == "progress"),
        measured_weight=weight(
            lambda i: i.state in ("progress", "not-fixed", "guard", "regression", "weakened")
        ),
        lost_weight=weight(
            lambda i: i.state == "regression" or (i.state == "weakened" and not i.was_target)
        ),
        weakened=sum(1 for item in items if item.state == "weakened"),
    )


def counts(items: Sequence[Item]) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in items:
        found[item.state] = found.get(item.state, 0) + 1
    return found


def metric_from(name: str, items: Sequence[Item], extra: dict[str, Any] | None = None) -> Metric:
    """The metric of ``items``: score = gain (None when nothing failed before), loss, and
    every item with its state in the details."""
    summary = tally(items)
    details: dict[str, Any] = {
        "items": [item.to_json() for item in items],
        "counts": counts(items),
        "targetWeight": summary.target_weight,
        "fixedWeight": summary.fixed_weight,
        "lostWeight": summary.lost_weight,
        "measuredWeight": summary.measured_weight,
        # The absolute figure (what passes afterwards, whatever passed before).
        "afterPassedWeight": math.fsum(i.weight for i in items if i.after == "passed"),
        "itemWeight": math.fsum(i.weight for i in items),
        **(extra or {}),
    }
    return Metric(
        name,
        summary.gain,
        details,
        loss=summary.loss,
        weakened=summary.weakened,
        measured=summary.measured_weight > 0,
    )
