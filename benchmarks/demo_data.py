"""Realistic generated benchmark results, for the demo, the tests and the benchmarks.

``generate()`` is deterministic for a given seed: several suites, scenarios,
tiers, agents and models; batches; failed runs with their error; evaluations
with details; telemetry with tokens and cost; transcripts with tool calls;
validation command output and changed files in the run metadata. Every value
is one a real run could produce: hostile inputs for the escaping tests live
with those tests (``tests/xss_fixtures.py``), never here.

    python benchmarks/demo_data.py --database-url sqlite:///demo.db --runs 2000

(``make demo-data`` does that and serves the dashboard over it.) Not part of the
installed package: it is found from a clone, by the tests and the benchmark scripts.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zebench.harness.scoring import SUCCESS_THRESHOLD
from zebench.model.results import BatchIn, EvaluationIn, ResultIn, TelemetryIn
from zebench.model.time import DAY_MS, now_ms


@dataclass(frozen=True)
class AgentProfile:
    agent: str
    model: str | None
    skill: float
    """Typical weighted score (0..10) on an average scenario."""
    price_in: float
    """USD per million input tokens."""
    price_out: float
    tool_user: bool = True


@dataclass(frozen=True)
class ScenarioProfile:
    suite: str
    scenario: str
    tiers: tuple[str, ...]
    difficulty: float
    """Added to an agent's skill: negative is harder."""
    manager: str | None = "pnpm"
    files: tuple[str, ...] = ("package.json",)


AGENTS: tuple[AgentProfile, ...] = (
    AgentProfile("echo", None, 0.6, 0.0, 0.0, tool_user=False),
    AgentProfile("anthropic", "claude-sonnet-4-5", 7.1, 3.0, 15.0),
    AgentProfile("anthropic", "claude-opus-4-1", 7.7, 15.0, 75.0),
    AgentProfile("openrouter", "openai/gpt-5", 6.8, 1.25, 10.0),
    AgentProfile("openrouter", "deepseek/deepseek-chat-v3", 5.3, 0.27, 1.1),
    AgentProfile("claude-code", "claude-sonnet-4-5", 7.4, 3.0, 15.0),
)

SCENARIOS: tuple[ScenarioProfile, ...] = (
    ScenarioProfile(
        "update-deps",
        "nx-pnpm-monorepo",
        ("L0", "L1", "L2", "L3", "Lx"),
        -1.0,
        files=("package.json", "pnpm-lock.yaml", "packages/app/package.json", "nx.json"),
    ),
    ScenarioProfile(
        "update-deps",
        "react-18-upgrade",
        ("L0", "L1", "L2"),
        -0.4,
        manager="npm",
        files=("package.json", "package-lock.json", "src/index.tsx"),
    ),
    ScenarioProfile(
        "next.js",
        "001-server-component",
        ("L1", "L2"),
        0.2,
        files=("app/page.tsx", "app/components/Clock.tsx"),
    ),
    ScenarioProfile(
        "next.js",
        "002-app-router-migration",
        ("L1", "L2", "L3"),
        -1.6,
        files=("app/layout.tsx", "app/page.tsx", "pages/_app.tsx", "next.config.js"),
    ),
    ScenarioProfile(
        "example",
        "fix-slugify",
        ("L0", "L1", "L2"),
        1.1,
        manager=None,
        files=("slugify/core.py", "tests/test_slugify.py"),
    ),
    ScenarioProfile(
        "example",
        "release-notes",
        ("L1", "L2"),
        0.5,
        manager=None,
        files=("CHANGELOG.md", "docs/release.md"),
    ),
    ScenarioProfile(
        "test-suite", "test-scenario", ("L0", "L1", "L2"), 0.3, files=("package.json",)
    ),
)

TIER_EFFECT = {"L0": -1.2, "L1": -0.4, "L2": 0.4, "L3": -0.2, "Lx": -0.9}

EVALUATOR_WEIGHTS = {
    "heuristic_checks": 2.0,
    "llm_judge": 2.0,
    "install_success": 1.0,
    "tests_nonregression": 1.0,
}

JUDGE_CATEGORIES = (
    "Dependency Update Correctness",
    "Constraint Adherence",
    "Code Quality",
    "Communication",
)

FAILURES = (
    ("agent", "Agent timed out after 40 minutes"),
    ("agent", "anthropic API error 529: overloaded after 5 retries"),
    ("timeout", "Scenario timeout (20 min) exceeded; process group killed"),
    ("workspace", "Fixture copy failed: No space left on device"),
    ("evaluation", "Heuristic script check.sh exited 127: command not found"),
)


@dataclass
class Generated:
    batches: list[BatchIn] = field(default_factory=list)
    results: list[ResultIn] = field(default_factory=list)


def generate(
    *,
    runs: int = 240,
    batches: int = 6,
    days: int = 30,
    seed: int = 7,
    transcripts: bool = True,
    now: int | None = None,
) -> Generated:
    """Make ``runs`` results spread over ``days`` up to ``now``.

    About one run in eight is outside any batch, as a lone ``zebench run`` would be.
    """
    rng = random.Random(seed)
    end = now if now is not None else now_ms()
    start = end - days * DAY_MS
    out = Generated()
    batch_starts = sorted(rng.randint(start, end - 3_600_000) for _ in range(max(batches, 0)))
    batch_ids = [f"batch-{ts}-{i}" for i, ts in enumerate(batch_starts)]
    per_batch: dict[str, list[ResultIn]] = {b: [] for b in batch_ids}
    for i in range(runs):
        batch_id: str | None = None
        if batch_ids and rng.random() > 0.125:
            idx = rng.randrange(len(batch_ids))
            batch_id = batch_ids[idx]
            started = batch_starts[idx] + len(per_batch[batch_id]) * rng.randint(20_000, 90_000)
            started = min(started, end - 60_000)
        else:
            started = rng.randint(start, end - 60_000)
        agent = rng.choice(AGENTS)
        scenario = rng.choice(SCENARIOS)
        tier = rng.choice(scenario.tiers)
        result = _make_run(rng, i, started, batch_id, agent, scenario, tier, transcripts)
        out.results.append(result)
        if batch_id is not None:
            per_batch[batch_id].append(result)
    for batch_id, created in zip(batch_ids, batch_starts, strict=True):
        members = per_batch[batch_id]
        completed = max((_completed_ms(r) for r in members), default=created)
        out.batches.append(
            BatchIn(
                batch_id=batch_id,
                created_at=created,
                completed_at=completed,
                metadata={
                    "suites": sorted({r.suite for r in members}),
                    "agents": sorted({r.agent for r in members}),
                    "iterations": 1,
                    "host": "ci-runner-3",
                },
            )
        )
    out.results.sort(key=lambda r: r.started_at)
    return out


def _completed_ms(result: ResultIn) -> int:
    moment = result.completed_at or result.started_at
    return int(moment.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, x))


def _make_run(
    rng: random.Random,
    index: int,
    started: int,
    batch_id: str | None,
    agent: AgentProfile,
    scenario: ScenarioProfile,
    tier: str,
    with_transcript: bool,
) -> ResultIn:
    run_id = f"{started}-{index:05d}{rng.randrange(16**4):04x}"
    quality = _clamp(rng.gauss((agent.skill + scenario.difficulty + TIER_EFFECT[tier]) / 10, 0.14))
    duration = _duration_ms(rng, agent, quality)
    # The run outlasts its agent: workspace copy, validation commands, evaluators.
    completed = started + duration + rng.randint(2_500, 45_000)
    failed = rng.random() < (0.05 if agent.agent == "echo" else 0.09)
    telemetry = _telemetry(rng, agent, run_id, scenario, tier, duration, failed)
    metadata: dict[str, Any] = {
        "packageManager": scenario.manager,
        "iteration": 1 + index % 3,
        "harnessVersion": "0.1.0",
    }
    specialist = agent.agent == "claude-code" and rng.random() < 0.3
    common: dict[str, Any] = {
        "run_id": run_id,
        "batch_id": batch_id,
        "suite": scenario.suite,
        "scenario": scenario.scenario,
        "tier": tier,
        "agent": agent.agent,
        "model": agent.model,
        "started_at": _dt(started),
        "completed_at": _dt(completed),
        "telemetry": telemetry,
        "specialist_enabled": specialist,
        "specialist_name": "nextjs-specialist" if specialist else None,
        "specialist_version": "0.0.3" if specialist else None,
    }
    if failed:
        kind, message = rng.choice(FAILURES)
        metadata.update({"error": message, "errorType": kind})
        transcript = _transcript(rng, agent, scenario, tier, quality, failed=True)
        return ResultIn(
            status="failed",
            metadata=metadata,
            transcript=transcript if with_transcript and agent.tool_user else None,
            **common,
        )
    validation = _validation(rng, scenario, quality)
    evaluations = _evaluations(rng, quality, validation, _dt(completed))
    scores = {e.evaluator_name: e.score for e in evaluations}
    weight_total = sum(EVALUATOR_WEIGHTS[name] for name in scores)
    weighted = sum(s * EVALUATOR_WEIGHTS[name] for name, s in scores.items()) / weight_total * 10
    success_metric = (scores["heuristic_checks"] + scores["llm_judge"]) / 2
    install_ok = validation[0]["exitCode"] == 0 if validation else True
    metadata["validation"] = validation
    metadata["diffSummary"] = _diff(rng, scenario, quality)
    return ResultIn(
        status="completed",
        total_score=round(sum(scores.values()) / len(scores), 4),
        weighted_score=round(weighted, 4),
        success_metric=round(success_metric, 4),
        is_successful=install_ok and success_metric >= SUCCESS_THRESHOLD,
        metadata=metadata,
        evaluations=evaluations,
        transcript=(
            _transcript(rng, agent, scenario, tier, quality, failed=False)
            if with_transcript and agent.tool_user
            else None
        ),
        **common,
    )


def _duration_ms(rng: random.Random, agent: AgentProfile, quality: float) -> int:
    if not agent.tool_user:
        return rng.randint(40, 400)
    return int(math.exp(rng.gauss(math.log(180_000), 0.6)) * (1.2 - quality * 0.4))


def _telemetry(
    rng: random.Random,
    agent: AgentProfile,
    run_id: str,
    scenario: ScenarioProfile,
    tier: str,
    duration: int,
    failed: bool,
) -> TelemetryIn:
    prompt = f"[{tier}] {scenario.scenario}: update the dependencies and keep the build green."
    if not agent.tool_user:
        return TelemetryIn(  # as the echo agent reports: no model, so no tokens and no cost
            tool_calls=0,
            duration_ms=duration,
            workspace_dir=f"/tmp/zebench/workspaces/{run_id}",
            prompt_sent=prompt,
        )
    scale = 0.4 if failed else 1.0
    tokens_in = int(rng.randint(18_000, 320_000) * scale)
    tokens_out = int(rng.randint(1_500, 28_000) * scale)
    cost = tokens_in / 1e6 * agent.price_in + tokens_out / 1e6 * agent.price_out
    return TelemetryIn(
        tool_calls=int(rng.randint(4, 60) * scale),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=round(cost, 6),
        duration_ms=duration,
        workspace_dir=f"/tmp/zebench/workspaces/{run_id}",
        prompt_sent=prompt,
    )


def _validation(
    rng: random.Random, scenario: ScenarioProfile, quality: float
) -> list[dict[str, Any]]:
    if scenario.manager is None:
        commands = [("test", "python -m pytest -q")]
    else:
        m = scenario.manager
        commands = [
            ("install", f"{m} install"),
            ("build", f"{m} run build"),
            ("test", f"{m} test"),
            ("lint", f"{m} run lint"),
        ]
    out: list[dict[str, Any]] = []
    for name, command in commands:
        ok = rng.random() < 0.55 + 0.45 * quality
        if ok:
            output = f"$ {command}\nDone in {rng.uniform(0.4, 30):.1f}s\n"
        else:
            output = (
                f"$ {command}\nERR! code ERESOLVE\nERR! Could not resolve dependency:\n"
                f'ERR! peer react@"^17.0.0" from react-dom@17.0.2\nexit status 1\n'
            )
        out.append(
            {
                "name": name,
                "command": command,
                "exitCode": 0 if ok else 1,
                "durationMs": rng.randint(300, 60_000),
                "timedOut": False,
                "output": output,
            }
        )
    return out


def _evaluations(
    rng: random.Random,
    quality: float,
    validation: Sequence[dict[str, Any]],
    when: datetime,
) -> list[EvaluationIn]:
    checks = [
        ("target_versions_updated", 2.0),
        ("lockfile_consistent", 1.0),
        ("no_blocklisted_packages", 1.0),
        ("build_script_present", 1.0),
        ("changelog_mentions_upgrade", 0.5),
    ]
    results = [(name, weight, rng.random() < quality + 0.1) for name, weight in checks]
    total_weight = sum(w for _, w, _ in results)
    heuristic = sum(w for _, w, ok in results if ok) / total_weight
    categories = [
        (name, max(1, min(5, round(1 + 4 * _clamp(rng.gauss(quality, 0.15))))))
        for name in JUDGE_CATEGORIES
    ]
    judge = sum((s - 1) / 4 for _, s in categories) / len(categories)
    verdict = "solid" if judge >= 0.7 else "needs work" if judge >= 0.4 else "poor"
    by_name = {v["name"]: v for v in validation}
    install = by_name.get("install") or by_name.get("test")
    tests = by_name.get("test")
    return [
        EvaluationIn(
            evaluator_name="heuristic_checks",
            created_at=when,
            score=round(heuristic, 4),
            max_score=1.0,
            details=json.dumps(
                {
                    "passed": sum(1 for *_, ok in results if ok),
                    "total": len(results),
                    "checks": [{"name": n, "weight": w, "passed": ok} for n, w, ok in results],
                }
            ),
        ),
        EvaluationIn(
            evaluator_name="llm_judge",
            created_at=when,
            score=round(judge, 4),
            max_score=1.0,
            details=f"Overall: {verdict}.\n"
            + "\n".join(f"{name}: {score}/5" for name, score in categories),
        ),
        EvaluationIn(
            evaluator_name="install_success",
            created_at=when,
            score=1.0 if install and install["exitCode"] == 0 else 0.0,
            max_score=1.0,
            details=json.dumps({"exitCode": install["exitCode"] if install else None}),
        ),
        EvaluationIn(
            evaluator_name="tests_nonregression",
            created_at=when,
            score=1.0 if tests and tests["exitCode"] == 0 else 0.0,
            max_score=1.0,
            details=json.dumps(
                {"baselinePassed": True, "afterPassed": bool(tests and not tests["exitCode"])}
            ),
        ),
    ]


def _diff(rng: random.Random, scenario: ScenarioProfile, quality: float) -> list[dict[str, Any]]:
    chosen = [f for f in scenario.files if rng.random() < 0.3 + quality * 0.7] or [
        scenario.files[0]
    ]
    return [
        {
            "file": path,
            "changeType": "added" if rng.random() < 0.1 else "modified",
            "additions": rng.randint(1, 80),
            "deletions": rng.randint(0, 40),
        }
        for path in chosen
    ]


def _transcript(
    rng: random.Random,
    agent: AgentProfile,
    scenario: ScenarioProfile,
    tier: str,
    quality: float,
    *,
    failed: bool,
) -> dict[str, Any]:
    target = scenario.files[0]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": f"[{tier}] Update the dependencies of {scenario.scenario}."},
        {
            "role": "assistant",
            "content": f"I'll start by reading {target}.",
            "tool_calls": [{"id": "call_1", "name": "readFile", "arguments": {"path": target}}],
        },
        {
            "role": "tool",
            "tool_result": {
                "id": "call_1",
                "name": "readFile",
                "content": '{\n  "name": "app",\n  "dependencies": {"react": "^17.0.2"}\n}',
                "isError": False,
            },
        },
        {
            "role": "assistant",
            "content": "Now I'll install the new versions.",
            "tool_calls": [
                {
                    "id": "call_2",
                    "name": "runCommand",
                    "arguments": {"command": f"{scenario.manager or 'python -m'} install"},
                }
            ],
        },
        {
            "role": "tool",
            "tool_result": {
                "id": "call_2",
                "name": "runCommand",
                "content": "exit 0\nDone in 4.2s" if quality > 0.3 else "exit 1\nERR! ERESOLVE",
                "isError": quality <= 0.3,
            },
        },
    ]
    if failed:
        messages.append({"role": "assistant", "content": "Waiting for the command to finish…"})
    else:
        messages.append(
            {"role": "assistant", "content": f"Done: updated {target} and verified the build."}
        )
    return {"messages": messages}


def store(db: Any, data: Generated, *, chunk: int = 500) -> None:
    """Write generated batches and results through the service layer, ``chunk`` runs a job."""
    from zebench.service.results import content_hash, store_result, upsert_batch

    def write_results(items: Iterable[ResultIn]) -> None:
        batch_items = list(items)
        digests = [content_hash(r) for r in batch_items]

        def job(conn: Any) -> None:
            for result, digest in zip(batch_items, digests, strict=True):
                # upsert_batch below recomputes every batch's totals once.
                store_result(conn, result, digest, defer_batch_totals=True)

        db.write(job)

    results = data.results
    for i in range(0, len(results), chunk):
        write_results(results[i : i + chunk])
    for batch in data.batches:
        db.write(lambda conn, b=batch: upsert_batch(conn, b))


def main(argv: Sequence[str] | None = None) -> None:
    """Fill an empty database with generated results; one that holds runs is left alone,
    so running it again (``make demo-data`` twice) adds nothing."""
    import sqlalchemy as sa

    from zebench.store.database import Database
    from zebench.store.migrate import upgrade
    from zebench.store.tables import runs as runs_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=240)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    db = Database(args.database_url)
    try:
        upgrade(db)
        with db.read() as conn:
            present = conn.execute(sa.select(sa.func.count()).select_from(runs_table)).scalar()
        if present:
            print(f"{args.database_url} already holds {present} runs; nothing added")
            return
        data = generate(runs=args.runs, batches=args.batches, days=args.days, seed=args.seed)
        store(db, data)
        print(f"stored {len(data.results)} runs in {len(data.batches)} batches")
    finally:
        db.close()


if __name__ == "__main__":
    main()
