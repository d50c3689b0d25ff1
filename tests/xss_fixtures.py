"""Hostile results for the escaping tests: every free-text field of a batch and its
runs carries a script-injection payload. Kept with the tests so that demo data, the
benchmarks and anything a user sees never hold them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from demo_data import Generated
from zebench.model.results import BatchIn, EvaluationIn, ResultIn, TelemetryIn

# Payloads that would run (set window.__xss or open a dialog) if any page
# rendered them unescaped, in an attribute, in a script block or as a URL.
XSS_PAYLOADS = (
    "<script>window.__xss=1;alert(1)</script>",
    '"><img src=x onerror="window.__xss=2;alert(2)">',
    "'><svg onload=window.__xss=3>",
    "</script><script>window.__xss=4</script>",
    "javascript:window.__xss=5",
    "{{7*7}}<iframe srcdoc='<script>parent.__xss=6</script>'></iframe>",
)


def xss_runs(started: int) -> tuple[BatchIn, list[ResultIn]]:
    """Runs whose every free-text field (names included) carries a payload."""
    p = XSS_PAYLOADS
    batch_id = f"xss-batch {p[1]}"
    batch = BatchIn(
        batch_id=batch_id,
        created_at=started,
        completed_at=started + 120_000,
        metadata={"note": p[0], p[2]: p[3]},
    )
    results = []
    for i, payload in enumerate(p):
        failed = i % 2 == 1
        evaluations = (
            []
            if failed
            else [
                EvaluationIn(
                    evaluator_name=f"xss-eval {payload}",
                    created_at=_dt(started + i * 1000 + 5000),
                    score=0.5,
                    max_score=1.0,
                    details=payload,
                ),
                EvaluationIn(
                    evaluator_name="heuristic_checks",
                    created_at=_dt(started + i * 1000 + 5000),
                    score=0.5,
                    max_score=1.0,
                    details=json.dumps({"passed": 1, "total": 2, "note": payload}),
                ),
            ]
        )
        results.append(
            ResultIn(
                # Ids are URL path segments: the service refuses a "/" in them.
                run_id=f"xss-{i}-{payload}".replace("/", "|")[:200],
                batch_id=batch_id,
                suite=f"xss-suite {payload}"[:200],
                scenario=f"xss-scenario {payload}"[:200],
                tier=f"L1{payload}"[:50],
                agent=f"xss-agent {payload}"[:200],
                model=f"xss-model {payload}",
                status="failed" if failed else "completed",
                started_at=_dt(started + i * 1000),
                completed_at=_dt(started + i * 1000 + 5000),
                total_score=None if failed else 0.5,
                weighted_score=None if failed else 5.0,
                success_metric=None if failed else 0.5,
                is_successful=False,
                specialist_enabled=True,
                specialist_name=payload,
                specialist_version=payload[:100],
                metadata={
                    "error": payload if failed else None,
                    "errorType": payload if failed else None,
                    payload: payload,
                    "validation": [
                        {"name": payload, "command": payload, "exitCode": 1, "output": payload}
                    ],
                    "diffSummary": [{"file": payload, "changeType": payload}],
                },
                evaluations=evaluations,
                telemetry=TelemetryIn(
                    tool_calls=1,
                    tokens_in=10,
                    tokens_out=10,
                    cost_usd=0.001,
                    duration_ms=5000,
                    workspace_dir=payload,
                    prompt_sent=payload,
                ),
                transcript={
                    "messages": [
                        {"role": "user", "content": payload},
                        {
                            "role": payload,
                            "content": payload,
                            "tool_calls": [
                                {"id": "x1", "name": payload, "arguments": {payload: payload}}
                            ],
                        },
                        {
                            "role": "tool",
                            "tool_result": {"id": "x1", "content": payload, "isError": True},
                        },
                    ]
                },
            )
        )
    return batch, results


def with_xss_runs(data: Generated, started: int) -> Generated:
    """``data`` plus the hostile batch and its runs, starting at ``started`` (ms)."""
    batch, results = xss_runs(started)
    merged = Generated(batches=[*data.batches, batch], results=[*data.results, *results])
    merged.results.sort(key=lambda r: r.started_at)
    return merged


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
