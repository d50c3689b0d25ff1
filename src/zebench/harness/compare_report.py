"""``zebench compare``: BASE against HEAD, cell by cell, and the regression verdict.

Runs are paired by (suite, scenario, tier, agent, model); the verdict is the
stratified permutation test of ``zebench.model.statistics`` (the dashboard's
comparison page uses the same one). Rendered as a terminal table, markdown (also
appended to ``$GITHUB_STEP_SUMMARY`` on GitHub) or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from rich.table import Table

from zebench.delivery.base import BatchInfo, StoredRun
from zebench.model.statistics import CellRuns, RegressionTest, ScoredRun, pair_runs, regression_test

MARKDOWN_ROWS = 50
"""Cells listed in markdown (worst first); the rest are counted."""


def scored(run: StoredRun) -> ScoredRun:
    key = (run.suite, run.scenario, run.tier, run.agent, run.model or "")
    return ScoredRun(key, run.status, run.weighted_score)


@dataclass(frozen=True)
class CompareReport:
    base: BatchInfo
    head: BatchInfo
    cells: list[CellRuns]
    test: RegressionTest
    dashboard_url: str | None = None

    @property
    def link(self) -> str | None:
        if not self.dashboard_url:
            return None
        ids = quote(f"{self.base.batch_id},{self.head.batch_id}", safe=",")
        return f"{self.dashboard_url.rstrip('/')}/batches/compare?ids={ids}"

    def shared(self) -> list[CellRuns]:
        """Cells both ran, worst change first."""
        return sorted((c for c in self.cells if c.shared), key=lambda c: (c.delta or 0.0, c.key))


def compare(
    base: BatchInfo,
    head: BatchInfo,
    *,
    confidence: float,
    resamples: int,
    dashboard_url: str | None = None,
) -> CompareReport:
    cells = pair_runs([scored(r) for r in base.runs], [scored(r) for r in head.runs])
    test = regression_test(cells, confidence=confidence, resamples=resamples)
    return CompareReport(base, head, cells, test, dashboard_url)


def _mean(values: tuple[float, ...]) -> float | None:
    return sum(values) / len(values) if values else None


def comparison_json(c: CompareReport) -> dict[str, Any]:
    t = c.test
    return {
        "base": {"batchId": c.base.batch_id, "runs": len(c.base.runs)},
        "head": {"batchId": c.head.batch_id, "runs": len(c.head.runs)},
        "verdict": t.verdict,
        "regression": t.regression,
        "test": {
            "method": "stratified permutation test over runs, two-sided",
            "confidence": t.confidence,
            "pValue": t.p_value,
            "exact": t.exact,
            "resamples": t.resamples,
            "meanDelta": t.mean_delta,
            "sharedCells": t.cells,
            "baseRuns": t.base_runs,
            "headRuns": t.head_runs,
            "worse": t.worsened,
            "better": t.improved,
            "same": t.unchanged,
        },
        "onlyInBase": sum(1 for x in c.cells if x.base and not x.head),
        "onlyInHead": sum(1 for x in c.cells if x.head and not x.base),
        "dashboardUrl": c.link,
        "cells": [
            {
                "suite": x.key[0],
                "scenario": x.key[1],
                "tier": x.key[2],
                "agent": x.key[3],
                "model": x.key[4] or None,
                "baseRuns": len(x.base),
                "headRuns": len(x.head),
                "baseScore": _mean(x.base),
                "headScore": _mean(x.head),
                "delta": x.delta,
            }
            for x in c.cells
        ],
    }


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _delta(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f}"


def _label(cell: CellRuns) -> tuple[str, str]:
    suite, scenario, tier, agent, model = cell.key
    return f"{suite}/{scenario} {tier}", f"{agent} ({model or 'default'})"


def comparison_table(c: CompareReport) -> Table:
    table = Table(
        title=f"{c.head.batch_id} against {c.base.batch_id}",
        caption=f"{c.test.describe()}",
    )
    for name, justify in (
        ("scenario", "left"),
        ("agent (model)", "left"),
        ("base", "right"),
        ("head", "right"),
        ("delta", "right"),
        ("runs", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for cell in c.shared():
        scenario, agent = _label(cell)
        table.add_row(
            scenario,
            agent,
            _score(_mean(cell.base)),
            _score(_mean(cell.head)),
            _delta(cell.delta),
            f"{len(cell.base)}/{len(cell.head)}",
        )
    return table


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def comparison_markdown(c: CompareReport) -> str:
    t = c.test
    title = f"`{c.head.batch_id}` against `{c.base.batch_id}`"
    if c.link:
        title = f"[{c.head.batch_id} against {c.base.batch_id}]({c.link})"
    lines = [f"### zebench compare: {t.verdict}", "", title, "", _md(t.describe()), ""]
    shared = c.shared()
    if shared:
        lines += [
            "| scenario | agent (model) | base | head | delta | runs |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for cell in shared[:MARKDOWN_ROWS]:
            scenario, agent = _label(cell)
            lines.append(
                f"| {_md(scenario)} | {_md(agent)} | {_score(_mean(cell.base))} "
                f"| {_score(_mean(cell.head))} | {_delta(cell.delta)} "
                f"| {len(cell.base)}/{len(cell.head)} |"
            )
        if len(shared) > MARKDOWN_ROWS:
            lines += ["", f"{len(shared) - MARKDOWN_ROWS} more cell(s) not listed."]
    only_base = sum(1 for x in c.cells if x.base and not x.head)
    only_head = sum(1 for x in c.cells if x.head and not x.base)
    if only_base or only_head:
        lines += ["", f"Not compared: {only_base} cell(s) only in BASE, {only_head} only in HEAD."]
    return "\n".join(lines) + "\n"
