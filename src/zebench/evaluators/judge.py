"""The ``llm_judge`` metric: what the judge is told about a run, and how its verdict counts.

The judge itself (``zebench.evaluators.llm_judge.run_llm_judge``) calls the model
and parses the reply. Here the task and the evidence are assembled, and a judge
that failed becomes a metric with an error and no score, so it carries no
weight instead of dragging the run down as a zero. With no judge configured
(no key, no local endpoint) the metric is not evaluated at all.
"""

from __future__ import annotations

import difflib
from typing import Any

from zebench.evaluators.base import Metric, RunContext

_DIFF_FILE_CHARS = 6000
_OUTPUT_CHARS = 800


class LlmJudge:
    name = "llm_judge"

    async def evaluate(self, ctx: RunContext) -> list[Metric]:
        spec = ctx.loaded.scenario.llm_judge
        if not spec.enabled:
            return []
        from zebench.evaluators.llm_judge import judge_endpoint, run_llm_judge

        model = spec.model or ctx.settings.judge.judge_model
        endpoint = judge_endpoint(ctx.settings.judge, ctx.settings.llm, model)
        # Without a key or a local endpoint there is no judge to ask: the metric is
        # left out (no weight), rather than recorded as a failure on every run.
        if not endpoint.configured:
            return []
        result = await run_llm_judge(
            judge=ctx.settings.judge,
            llm=ctx.settings.llm,
            model=model,
            endpoint=endpoint,
            categories=spec.categories,
            task=judge_task(ctx),
            evidence=judge_evidence(ctx),
            temperature=spec.temperature,
            max_tokens=spec.max_tokens,
        )
        usage = result.usage
        details: dict[str, Any] = {
            "model": model,
            "categories": result.per_category,
            "usage": {
                "tokensIn": usage.tokens_in,
                "tokensOut": usage.tokens_out,
                "costUsd": usage.cost_usd,
            },
        }
        if result.score is None or result.error:
            details["raw"] = result.raw[-2000:]
            return [Metric(self.name, None, details, result.error or "the judge gave no score")]
        return [Metric(self.name, max(0.0, min(1.0, result.score)), details)]


def judge_task(ctx: RunContext) -> str:
    scenario = ctx.loaded.scenario
    parts = [f"Scenario {ctx.loaded.suite}/{ctx.loaded.id}: {scenario.title or ''}".rstrip(": ")]
    if scenario.description:
        parts.append(scenario.description.strip())
    parts.append(f"Prompt given to the agent (tier {ctx.tier}):\n{ctx.prompt.strip()}")
    return "\n\n".join(parts)


def judge_evidence(ctx: RunContext) -> str:
    """What the agent did, most telling first (``run_llm_judge`` cuts it to size)."""
    diff = ctx.diff
    sections = [
        "## Files changed\n"
        + _listing("added", diff.added)
        + _listing("modified", diff.modified)
        + _listing("deleted", diff.deleted)
    ]
    if diff.dependency_changes:
        lines = [
            f"- {c.file} {c.section}: {c.name} {c.before or '(none)'} -> {c.after or '(removed)'}"
            for c in diff.dependency_changes
        ]
        sections.append("## Dependency changes\n" + "\n".join(lines))
    if ctx.validation:
        lines = []
        for step, result in ctx.validation.items():
            status = "timed out" if result.timed_out else f"exit {result.exit_code}"
            lines.append(f"### {step}: `{result.command}` -> {status}")
            tail = result.output_tail[-_OUTPUT_CHARS:].strip()
            if tail:
                lines.append(f"```\n{tail}\n```")
        sections.append("## Validation commands\n" + "\n".join(lines))
    if ctx.agent_result.output.strip():
        sections.append(f"## Agent's final message\n{ctx.agent_result.output.strip()[-4000:]}")
    sections.append("## Changes in detail\n" + _file_diffs(ctx))
    return "\n\n".join(sections)


def _listing(label: str, paths: list[str]) -> str:
    if not paths:
        return ""
    shown = ", ".join(paths[:100])
    more = f" (+{len(paths) - 100} more)" if len(paths) > 100 else ""
    return f"- {label}: {shown}{more}\n"


def _read_text(path: Any) -> list[str] | None:
    try:
        return list(path.read_text(encoding="utf-8").splitlines(keepends=True))
    except (OSError, UnicodeDecodeError):
        return None


def _file_diffs(ctx: RunContext) -> str:
    fixture = ctx.loaded.fixture_dir
    out = []
    for rel in [*ctx.diff.modified, *ctx.diff.added]:
        after = _read_text(ctx.workspace / rel)
        before = _read_text(fixture / rel) if fixture and rel in ctx.diff.modified else []
        if after is None or before is None:
            out.append(f"{rel}: binary or unreadable")
            continue
        text = "".join(difflib.unified_diff(before, after, f"a/{rel}", f"b/{rel}"))
        if len(text) > _DIFF_FILE_CHARS:
            text = text[:_DIFF_FILE_CHARS] + f"\n[... diff of {rel} cut ...]\n"
        out.append(text)
    return "\n".join(out) or "(none)"
