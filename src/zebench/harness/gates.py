"""Quality gates and the exit code of ``zebench run`` and ``zebench batch``.

Exit codes (also in the commands' ``--help`` and docs/ci.md):

- 0: every run completed and every gate passed;
- 1: a quality gate failed (``--fail-under``, ``--min-success-rate``);
- 2: usage error (a bad option, an unknown suite, scenario or agent);
- 3: one or more runs could not be completed (status failed: agent missing,
  timeout, infrastructure error), a run hit a harness error, or the results
  service refused a result, unless ``--allow-failed-runs``. Incomplete runs
  make a gate's figures untrustworthy, so 3 wins over 1.

Gates are checked per (agent, model) cell, so one weak model in a matrix fails
the batch even when the average over all of them would pass. A cell's score is
the mean weighted score of its runs with a failed run counting as 0 (the same
rule as ``zebench compare``); its success rate is successful runs over all runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zebench.harness.summary import RunRecord
from zebench.model.statistics import mean

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_RUNS_FAILED = 3

EXIT_CODES_HELP = (
    "Exit codes: 0 all runs completed and every gate passed; 1 a quality gate failed; "
    "2 usage error; 3 a run could not be completed (status failed, harness error or a "
    "result the service refused) unless --allow-failed-runs."
)


@dataclass(frozen=True)
class Gates:
    fail_under: float | None = None
    """Minimum mean weighted score (0-10) of every agent/model cell."""
    min_success_rate: float | None = None
    """Minimum share (0-1) of successful runs in every agent/model cell."""
    allow_failed_runs: bool = False


@dataclass(frozen=True)
class CellFigures:
    agent: str
    model: str | None
    runs: int
    failed: int
    score: float | None
    """Mean weighted score, a failed run counting as 0; None when nothing was scored."""
    success_rate: float

    @property
    def label(self) -> str:
        return f"{self.agent} ({self.model or 'default model'})"


@dataclass(frozen=True)
class GateFailure:
    cell: CellFigures
    gate: str
    message: str


def gate_score(records: Sequence[RunRecord]) -> float | None:
    """Mean weighted score with failed runs as 0 (completed unscored runs left out)."""
    scores = [
        0.0 if r.status == "failed" else r.weighted_score
        for r in records
        if r.status == "failed" or r.weighted_score is not None
    ]
    return mean([s for s in scores if s is not None])


def cell_figures(records: Sequence[RunRecord]) -> list[CellFigures]:
    """Per (agent, model), sorted, the figures the gates read."""
    groups: dict[tuple[str, str], list[RunRecord]] = {}
    for record in records:
        groups.setdefault((record.agent, record.model or ""), []).append(record)
    return [
        CellFigures(
            agent=agent,
            model=model or None,
            runs=len(group),
            failed=sum(1 for r in group if r.status == "failed"),
            score=gate_score(group),
            success_rate=sum(1 for r in group if r.is_successful) / len(group),
        )
        for (agent, model), group in sorted(groups.items())
    ]


def check_gates(records: Sequence[RunRecord], gates: Gates) -> list[GateFailure]:
    """Every gate each cell fails, with a message naming the cell and the figures."""
    failures = []
    for cell in cell_figures(records):
        if gates.fail_under is not None and (cell.score is None or cell.score < gates.fail_under):
            shown = "no score" if cell.score is None else f"score {cell.score:.2f}"
            failures.append(
                GateFailure(
                    cell, "fail-under", f"{cell.label}: {shown} < --fail-under {gates.fail_under:g}"
                )
            )
        if gates.min_success_rate is not None and cell.success_rate < gates.min_success_rate:
            failures.append(
                GateFailure(
                    cell,
                    "min-success-rate",
                    f"{cell.label}: success rate {cell.success_rate:.1%} < "
                    f"--min-success-rate {gates.min_success_rate:g}",
                )
            )
    return failures


def incomplete(records: Sequence[RunRecord], harness_errors: int) -> int:
    """Runs that could not be completed: failed ones, refused ones, harness errors."""
    return harness_errors + sum(
        1 for r in records if r.status == "failed" or r.delivery == "rejected"
    )


def exit_code(incomplete_runs: int, failures: Sequence[GateFailure], gates: Gates) -> int:
    if incomplete_runs and not gates.allow_failed_runs:
        return EXIT_RUNS_FAILED
    if failures:
        return EXIT_GATE_FAILED
    return EXIT_OK
