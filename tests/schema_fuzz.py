"""Schemathesis against the real app on loopback: shared by the test suite (a bounded
run per engine) and ``benchmarks/fuzz.py`` (a long one).

The app is served over a migrated database, with the dev key sent on every request
(so writes are exercised, not only refused) and the throughput scraper pointed at
the fake chutes.ai on loopback (``POST /api/scrape`` is an operation like any other;
no request leaves the machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from loopback import app_settings, fresh_pg_database, migrated, serving_app

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
"""What counts as a failure: any 5xx, a body not matching its declared schema, or a
media type other than the one declared."""
PHASES = "examples,coverage,fuzzing,stateful"
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))


@contextmanager
def fuzz_target(database_url: str) -> Iterator[str]:
    """The app served over a fresh, migrated database (``postgres`` for a new PostgreSQL
    database, else a SQLAlchemy URL); yields its base URL."""
    sys.path.insert(0, str(Path(__file__).parent / "throughput"))
    from fake_chutes import FakeChutes, make_dataset

    with ExitStack() as stack:
        if database_url == "postgres":
            database_url = stack.enter_context(fresh_pg_database())
        db = stack.enter_context(migrated(database_url))
        chutes = FakeChutes(make_dataset(5, 10, today=date(2026, 1, 10)))
        stack.callback(chutes.close)
        settings = app_settings(
            db.url,
            server={"rate_limit_per_minute": 0},
            throughput={
                "chutes_api_url": chutes.url,
                "chutes_llm_url": chutes.url,
                "chutes_web_url": chutes.url,
                "scrape_retries": 0,
            },
        )
        server = stack.enter_context(serving_app(settings, db))
        yield server.url


@dataclass(frozen=True)
class FuzzOutcome:
    cases: int
    failures: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    phases: dict[str, Any]
    output: str

    @property
    def clean(self) -> bool:
        return not self.failures and not self.errors


def run_schemathesis(
    base_url: str,
    report: Path,
    *,
    max_examples: int,
    seed: int,
    max_time_s: float | None = None,
    phases: str = PHASES,
) -> FuzzOutcome:
    """Every operation of /openapi.json, every phase (stateful included), one worker."""
    command = [
        SCHEMATHESIS,
        "run",
        f"{base_url}/openapi.json",
        "--header",
        "Authorization: Bearer dev-local-key",
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        # One worker: hypothesis describing strategies from several threads at once
        # trips a CPython 3.11 ast bug ("AST constructor recursion depth mismatch").
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if max_time_s is not None:
        command += ["--max-time", str(int(max_time_s))]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    # In the report's directory: schemathesis keeps a cache where it runs.
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=report.parent, check=False
    )
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report:\n{done.stdout}\n{done.stderr}")
    summary = json.loads(report.read_text())
    return FuzzOutcome(
        cases=int(summary["test_cases"]["generated"]),
        failures=list(summary["failures"]),
        errors=list(summary["errors"]),
        phases=dict(summary["phases"]),
        output=done.stdout + done.stderr,
    )
