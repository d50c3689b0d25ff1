"""Reports CI systems understand: JUnit XML, a JSON summary, and GitHub's step summary.

- ``--junit FILE``: one ``<testcase>`` per run (class ``suite.scenario.tier``,
  name ``agent (model) #iteration``); a failed run is an ``<error>``, a completed
  run that is not successful a ``<failure>``, each with why as its message;
  properties carry runId, status, score, cost and tokens.
- ``--json FILE``: the batch's figures per agent/model, the gates and the exit code.
- ``GITHUB_STEP_SUMMARY``: when set, a markdown summary is appended to that file,
  with links to the dashboard when its URL is known.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from zebench.harness.gates import CellFigures, GateFailure, cell_figures
from zebench.harness.summary import RunRecord
from zebench.model.results import ResultIn

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def why_not_successful(result: ResultIn) -> str | None:
    """One line saying why a run is not successful; None for a successful run."""
    if result.is_successful:
        return None
    meta = result.metadata or {}
    if result.status == "failed":
        kind = meta.get("errorType") or "error"
        return f"run failed: {kind}: {meta.get('error') or 'no message recorded'}"
    short = [
        f"{ev.evaluator_name} {ev.score:g}/{ev.max_score:g}"
        for ev in result.evaluations
        if ev.score < ev.max_score
    ]
    metric = f"{result.success_metric:.2f}" if result.success_metric is not None else "none"
    below = f"; below full marks: {', '.join(short)}" if short else ""
    return f"not successful: success metric {metric}{below}"


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    records: Sequence[RunRecord]
    failures: Sequence[GateFailure] = ()
    incomplete: int = 0
    exit_code: int = 0
    dashboard_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def cells(self) -> list[CellFigures]:
        return cell_figures(self.records)

    def batch_link(self) -> str | None:
        if not self.dashboard_url:
            return None
        return f"{self.dashboard_url.rstrip('/')}/batches/{quote(self.batch_id, safe='')}"

    def run_link(self, run_id: str) -> str | None:
        if not self.dashboard_url:
            return None
        return f"{self.dashboard_url.rstrip('/')}/runs/{quote(run_id, safe='')}"


def summary_json(summary: BatchSummary) -> dict[str, Any]:
    """The ``--json`` document (documented in docs/ci.md)."""
    return {
        "batchId": summary.batch_id,
        "exitCode": summary.exit_code,
        "runs": len(summary.records),
        "incompleteRuns": summary.incomplete,
        "successfulRuns": sum(1 for r in summary.records if r.is_successful),
        "dashboardUrl": summary.batch_link(),
        "tags": summary.metadata.get("tags") or [],
        "git": summary.metadata.get("git"),
        "cells": [
            {
                "agent": c.agent,
                "model": c.model,
                "runs": c.runs,
                "failedRuns": c.failed,
                "score": c.score,
                "successRate": c.success_rate,
            }
            for c in summary.cells
        ],
        "gateFailures": [
            {"agent": f.cell.agent, "model": f.cell.model, "gate": f.gate, "message": f.message}
            for f in summary.failures
        ],
        "results": [
            {
                "runId": r.run_id,
                "suite": r.suite,
                "scenario": r.scenario,
                "tier": r.tier,
                "agent": r.agent,
                "model": r.model,
                "iteration": r.iteration,
                "status": r.status,
                "isSuccessful": r.is_successful,
                "weightedScore": r.weighted_score,
                "costUsd": r.cost_usd,
                "tokensIn": r.tokens_in,
                "tokensOut": r.tokens_out,
                "failure": r.failure,
            }
            for r in summary.records
        ],
    }


def junit_xml(summary: BatchSummary) -> str:
    """The ``--junit`` document: one testsuite per agent/model, one testcase per run."""
    root = ET.Element("testsuites", name=f"zebench {summary.batch_id}")
    groups: dict[tuple[str, str], list[RunRecord]] = {}
    for record in summary.records:
        groups.setdefault((record.agent, record.model or ""), []).append(record)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for (agent, model), group in sorted(groups.items()):
        failures = sum(1 for r in group if r.status != "failed" and not r.is_successful)
        errors = sum(1 for r in group if r.status == "failed")
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{agent} ({model or 'default model'})",
            tests=str(len(group)),
            failures=str(failures),
            errors=str(errors),
            time=f"{sum(r.wall_ms or 0 for r in group) / 1000:.3f}",
        )
        for record in group:
            _testcase(suite, record, summary)
        totals["tests"] += len(group)
        totals["failures"] += failures
        totals["errors"] += errors
    for name, value in totals.items():
        root.set(name, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(parent: ET.Element, record: RunRecord, summary: BatchSummary) -> None:
    case = ET.SubElement(
        parent,
        "testcase",
        classname=f"{record.suite}.{record.scenario}.{record.tier}",
        name=f"{record.agent} ({record.model or 'default model'}) #{record.iteration}",
        time=f"{(record.wall_ms or 0) / 1000:.3f}",
    )
    properties = ET.SubElement(case, "properties")
    values: dict[str, Any] = {
        "runId": record.run_id,
        "status": record.status,
        "score": record.weighted_score,
        "costUsd": record.cost_usd,
        "tokensIn": record.tokens_in,
        "tokensOut": record.tokens_out,
        "dashboard": summary.run_link(record.run_id),
    }
    for name, value in values.items():
        if value is not None:
            ET.SubElement(properties, "property", name=name, value=str(value))
    if record.is_successful:
        return
    tag = "error" if record.status == "failed" else "failure"
    message = record.failure or "not successful"
    ET.SubElement(case, tag, message=message, type=record.status).text = message


def _cell(text: object) -> str:
    """Markdown table cell text: pipes and newlines would break the table."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def batch_markdown(summary: BatchSummary) -> str:
    """The step summary of a batch: verdict, per agent/model figures, what failed."""
    link = summary.batch_link()
    title = f"[{summary.batch_id}]({link})" if link else f"`{summary.batch_id}`"
    verdict = {0: "passed", 1: "quality gate failed", 3: "runs could not be completed"}
    lines = [
        f"### zebench batch {title}: {verdict.get(summary.exit_code, 'error')}",
        "",
    ]
    tags = summary.metadata.get("tags") or []
    git = summary.metadata.get("git") or {}
    facts = [f"{len(summary.records)} run(s)"]
    if tags:
        facts.append("tags " + ", ".join(f"`{_cell(t)}`" for t in tags))
    if git.get("commit"):
        facts.append(f"commit `{str(git['commit'])[:12]}`")
    lines += [" · ".join(facts), ""]
    lines += [
        "| agent | model | runs | failed | success | score |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for c in summary.cells:
        score = f"{c.score:.2f}" if c.score is not None else "-"
        lines.append(
            f"| {_cell(c.agent)} | {_cell(c.model or 'default')} | {c.runs} | {c.failed} "
            f"| {c.success_rate:.0%} | {score} |"
        )
    if summary.failures:
        lines += ["", "**Gates failed**", ""]
        lines += [f"- {_cell(f.message)}" for f in summary.failures]
    unsuccessful = [r for r in summary.records if not r.is_successful]
    if unsuccessful:
        lines += ["", "<details><summary>Runs not successful</summary>", ""]
        for r in unsuccessful:
            run_link = summary.run_link(r.run_id)
            name = f"[{r.run_id}]({run_link})" if run_link else f"`{r.run_id}`"
            lines.append(
                f"- {name} {_cell(r.scenario)} {_cell(r.tier)} #{r.iteration}: "
                f"{_cell(r.failure or 'not successful')}"
            )
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def append_step_summary(markdown: str) -> Path | None:
    """Append to ``$GITHUB_STEP_SUMMARY`` when it is set; the file written, else None."""
    target = os.environ.get(STEP_SUMMARY_ENV)
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown + "\n")
    return path


def write_reports(summary: BatchSummary, *, junit: Path | None, json_path: Path | None) -> None:
    """Write the reports asked for, and the step summary when running on GitHub."""
    if junit is not None:
        _write(junit, junit_xml(summary))
    if json_path is not None:
        _write(json_path, json.dumps(summary_json(summary), indent=2) + "\n")
    append_step_summary(batch_markdown(summary))


def _write(path: Path, text: str) -> None:
    from zebench.errors import UserError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
