"""``zebench db rescore``: scores recomputed from stored evidence; version-1 runs left alone."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import sqlalchemy as sa

from harness_support import WritingAgent, cli_env, make_scenario, offline_settings, zebench
from zebench.evaluators import default_evaluators
from zebench.harness.matrix import RunSpec
from zebench.harness.run_state import RunOptions
from zebench.harness.runner import execute_run
from zebench.model.results import EvaluationIn, ResultIn
from zebench.service.results import submit_result
from zebench.store.database import Database
from zebench.store.migrate import upgrade
from zebench.store.tables import runs
from zebench.suites import load_scenario


def _harness_result(tmp_path: Path) -> ResultIn:
    checks = {"files": [{"name": "made_b", "path": "b"}, {"name": "kept_a", "path": "a"}]}
    loaded = load_scenario(make_scenario(tmp_path, {"heuristic_checks": checks}, {"a": ""}), "x")
    outcome = asyncio.run(
        execute_run(
            RunSpec("s", "x", "L1", "writer", None),
            loaded,
            WritingAgent({"b": "made"}),
            default_evaluators(),
            offline_settings(tmp_path / "home"),
            RunOptions(),
        )
    )
    return outcome.result


def _version_1(result: ResultIn) -> ResultIn:
    details = {"passedWeight": 2.0, "totalWeight": 2.0, "checks": []}
    return result.model_copy(
        update={
            "run_id": "run-v1",
            "weighted_score": 10.0,
            "metadata": {"iteration": 1},
            "evaluations": [
                EvaluationIn(
                    evaluator_name="heuristic_checks",
                    score=1.0,
                    max_score=1.0,
                    details=json.dumps(details),
                )
            ],
        }
    )


def test_rescore_recomputes_from_evidence_and_leaves_version_1(tmp_path: Path) -> None:
    result = _harness_result(tmp_path)
    assert result.weighted_score == 10.0
    url = f"sqlite:///{tmp_path / 'zebench.db'}"
    db = Database(url)
    try:
        upgrade(db)
        submit_result(db, result)
        submit_result(db, _version_1(result))
        # A stale figure, as an earlier rule would have written it.
        db.write(
            lambda c: c.execute(
                runs.update().where(runs.c.run_id == result.run_id).values(weighted_score=3.0)
            )
        )
    finally:
        db.close()

    env = cli_env(tmp_path / "cli-home")
    proc = zebench(["db", "rescore", "--database-url", url], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == (
        "1 run(s) rescored, 0 unchanged, 1 left as scoring version 1 (no evidence stored)"
    )
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        scores = dict(conn.execute(sa.select(runs.c.run_id, runs.c.weighted_score)).all())
    engine.dispose()
    assert scores == {result.run_id: 10.0, "run-v1": 10.0}

    again = zebench(["db", "rescore", "--database-url", url], env)
    assert again.stdout.strip().startswith("0 run(s) rescored, 1 unchanged")
