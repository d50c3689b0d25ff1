"""Schemathesis over every operation of /openapi.json, every phase (stateful on), on
both engines: no 5xx, and every answer matches the schema it is declared with.

A bounded run (a few examples per operation); ``benchmarks/fuzz.py`` runs the long one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loopback import pg_unreachable
from schema_fuzz import fuzz_target, run_schemathesis


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_schemathesis_finds_no_server_error_nor_schema_violation(
    engine: str, tmp_path: Path
) -> None:
    if engine == "postgres" and (reason := pg_unreachable()):
        pytest.skip(reason)
    url = "postgres" if engine == "postgres" else f"sqlite:///{tmp_path / 'fuzz.db'}"
    with fuzz_target(url) as base_url:
        outcome = run_schemathesis(base_url, tmp_path / "report.json", max_examples=8, seed=14)
    assert outcome.cases > 1000, outcome.output
    # The schema declares no examples of its own, so that phase has nothing to run.
    ran = {name for name, phase in outcome.phases.items() if phase["status"] != "skip"}
    assert ran == {"coverage", "fuzzing", "stateful"}, outcome.phases
    assert outcome.clean, outcome.output
