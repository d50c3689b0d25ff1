"""The statistics mean what the original Worker's SQL says (the ``_seed_*`` queries below
write it out): hand-computed values, and a randomised comparison with that SQL run on
the raw rows, on both engines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from api_support import result

from tolerance import nearly_equal
from zebench.api.serializers import stats as answers
from zebench.api.serializers.batches import analytics_json, batch_json
from zebench.model.results import ResultIn
from zebench.model.time import to_ms
from zebench.service import aggregates
from zebench.service import batches as batch_service
from zebench.service import stats as stats_service
from zebench.service.batch_analytics import batch_figures
from zebench.service.results import submit_result
from zebench.service.runs import runs_of_batch
from zebench.store.database import Database
from zebench.store.tables import evaluations, runs

NOW = to_ms(datetime(2026, 1, 31, 12, 30, tzinfo=UTC))


def _at(text: str) -> str:
    return text + ":00Z"


def _ev(name: str, score: float, when: str, max_score: float = 1.0) -> dict[str, Any]:
    return {"evaluatorName": name, "score": score, "maxScore": max_score, "createdAt": _at(when)}


HAND_DATA = [
    # run, suite, scenario, agent, model, status, successful, total, weighted, started, batch, evals
    ("R1", "S", "A", "x", "m1", "completed", True, 0.9, 9.0, "2026-01-30T10:00", "B1",
     [_ev("lint", 0.5, "2026-01-30T10:05"), _ev("other", 0.2, "2026-01-30T10:05")]),
    ("R2", "S", "A", "x", "m2", "completed", True, 0.7, 7.0, "2026-01-24T12:45", "B1",
     [_ev("lint", 1.0, "2026-01-30T23:59", max_score=2.0)]),
    ("R3", "S", "A", "y", "m1", "completed", False, 0.4, 4.0, "2026-01-24T12:15", "B1",
     [_ev("lint", 0.25, "2026-01-24T12:40"), _ev("lint", 0.75, "2026-01-24T12:10")]),
    ("R4", "S", "B", "y", "default", "completed", True, 0.6, None, "2026-01-20T08:00", None, []),
    ("R5", "S", "B", "x", None, "failed", False, None, None, "2026-01-31T12:00", None,
     [_ev("lint", 0.0, "2026-01-31T01:00")]),
    ("R6", "T", "C", "z", "m2", "completed", True, None, 5.0, "2026-01-29T00:00", None, []),
    ("R7", "S", "A", "x", "m1", "completed", True, 0.5, 2.0, "2026-01-10T00:00", None,
     [_ev("lint", 0.3, "2026-01-10T00:01")]),
]  # fmt: skip


@pytest.fixture
def hand_db(db: Database) -> Database:
    for (
        run_id,
        suite,
        scenario,
        agent,
        model,
        status,
        ok,
        total,
        weighted,
        started,
        batch,
        evs,
    ) in HAND_DATA:
        body = result(
            run_id,
            suite=suite,
            scenario=scenario,
            agent=agent,
            model=model,
            status=status,
            isSuccessful=ok,
            totalScore=total,
            weightedScore=weighted,
            startedAt=_at(started),
            batchId=batch,
            evaluations=evs,
        )
        submit_result(db, ResultIn.model_validate(body))
    return db


def test_global_stats_cut_the_window_at_the_exact_instant(hand_db: Database) -> None:
    with hand_db.read() as conn:
        stats = answers.global_stats(stats_service.global_stats(conn, 7, now=NOW))
    # In the window (from 2026-01-24T12:30): R1, R2 (12:45), R5, R6; not R3 (12:15).
    assert stats["totalRuns"] == 4
    assert stats["successfulRuns"] == 3  # R1, R2, R6
    assert stats["avgScore"] == pytest.approx((0.9 + 0.7) / 2)  # R6 has no total score
    assert stats["avgWeightedScore"] == pytest.approx((9 + 7 + 5) / 3)
    with hand_db.read() as conn:
        everything = answers.global_stats(stats_service.global_stats(conn, 36500, now=NOW))
        nothing = answers.global_stats(
            stats_service.global_stats(conn, 1, now=NOW + 400 * 86_400_000)
        )
    assert everything["totalRuns"] == 7
    assert nothing == {
        "totalRuns": 0,
        "successfulRuns": 0,
        "avgScore": None,
        "avgWeightedScore": None,
    }


def test_agent_and_model_stats(hand_db: Database) -> None:
    with hand_db.read() as conn:
        agents = answers.performance(stats_service.performance(conn, "agent"), "agent")
        models = answers.performance(stats_service.performance(conn, "model"), "model")
    # Successful completed runs with a weighted score: x has R1, R2, R7; z has R6;
    # y has none (R3 unsuccessful, R4 unscored).
    assert agents == [
        {"agent": "x", "runs": 3, "avgScore": pytest.approx(6.0), "minScore": 2.0, "maxScore": 9.0},
        {"agent": "z", "runs": 1, "avgScore": 5.0, "minScore": 5.0, "maxScore": 5.0},
    ]
    # No model and model "default" are left out.
    assert models == [
        {"model": "m2", "runs": 2, "avgScore": 6.0, "minScore": 5.0, "maxScore": 7.0},
        {"model": "m1", "runs": 2, "avgScore": 5.5, "minScore": 2.0, "maxScore": 9.0},
    ]


def test_suite_and_scenario_stats(hand_db: Database) -> None:
    with hand_db.read() as conn:
        suite = answers.suite_stats(stats_service.suite_stats(conn, "S"))
        a = answers.scenario_stats(stats_service.scenario_stats(conn, "S", "A"))
        b = answers.scenario_stats(stats_service.scenario_stats(conn, "S", "B"))
        unknown = answers.suite_stats(stats_service.suite_stats(conn, "nope"))
    assert suite == {
        "totalRuns": 6,
        "successfulRuns": 4,
        "avgScore": pytest.approx((0.9 + 0.7 + 0.6 + 0.5) / 4),
        "avgWeightedScore": pytest.approx((9 + 7 + 2) / 3),
        "scenarioBreakdown": [
            {"scenario": "A", "runs": 3, "avgScore": pytest.approx(0.7)},
            {"scenario": "B", "runs": 1, "avgScore": 0.6},
        ],
    }
    assert a == {
        "totalRuns": 4,
        "successfulRuns": 3,
        "avgScore": pytest.approx(0.7),
        "avgWeightedScore": pytest.approx(6.0),
        "minScore": 2.0,  # over every run, successful or not
        "maxScore": 9.0,
        "agentComparison": [{"agent": "x", "runs": 3, "avgScore": pytest.approx(0.7)}],
    }
    assert b == {
        "totalRuns": 2,
        "successfulRuns": 1,
        "avgScore": 0.6,
        "avgWeightedScore": None,
        "minScore": None,
        "maxScore": None,
        "agentComparison": [{"agent": "y", "runs": 1, "avgScore": 0.6}],
    }
    assert unknown["totalRuns"] == 0 and unknown["scenarioBreakdown"] == []


def test_evaluator_trends_by_day(hand_db: Database) -> None:
    with hand_db.read() as conn:
        trends = answers.evaluator_trends(stats_service.evaluator_trends(conn, "lint", 7, now=NOW))
        none = answers.evaluator_trends(stats_service.evaluator_trends(conn, "absent", 7, now=NOW))
    assert trends == [
        {"date": "2026-01-24", "avgScore": 0.25, "count": 1},  # 12:40 in, 12:10 out
        {"date": "2026-01-30", "avgScore": 0.75, "count": 2},
        {"date": "2026-01-31", "avgScore": 0.0, "count": 1},
    ]
    assert none == []


def test_batch_totals_and_analytics(hand_db: Database) -> None:
    with hand_db.read() as conn:
        batch = batch_json(batch_service.get_batch(conn, "B1"))
        analytics = analytics_json(batch_figures(conn, "B1"))
    assert (batch["totalRuns"], batch["successfulRuns"]) == (3, 2)
    assert batch["avgScore"] == pytest.approx((0.9 + 0.7 + 0.4) / 3)
    assert batch["avgWeightedScore"] == pytest.approx((9 + 7 + 4) / 3)
    assert analytics["suiteBreakdown"] == [
        {
            "suite": "S",
            "scenario": "A",
            "runs": 3,
            "successfulRuns": 2,
            "avgScore": pytest.approx(0.8),
            "avgWeightedScore": pytest.approx(8.0),
        }
    ]
    assert analytics["agentPerformance"] == [
        {"agent": "x", "model": "m1", "runs": 1, "successfulRuns": 1,
         "avgWeightedScore": 9.0, "minScore": 9.0, "maxScore": 9.0},
        {"agent": "x", "model": "m2", "runs": 1, "successfulRuns": 1,
         "avgWeightedScore": 7.0, "minScore": 7.0, "maxScore": 7.0},
        {"agent": "y", "model": "m1", "runs": 1, "successfulRuns": 0,
         "avgWeightedScore": None, "minScore": None, "maxScore": None},
    ]  # fmt: skip
    assert analytics["evaluatorBreakdown"] == [
        {"evaluatorName": "lint", "avgScore": 0.75, "maxScore": 2.0, "count": 2},
        {"evaluatorName": "other", "avgScore": 0.2, "maxScore": 1.0, "count": 1},
    ]


# --- the original Worker's SQL on the raw rows, against the pre-aggregates ---------------

SUCC = (runs.c.status == "completed") & runs.c.is_successful


def _seed_global(conn: sa.Connection, cutoff: int) -> dict[str, Any]:
    row = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.case((SUCC, 1))),
            sa.func.avg(sa.case((SUCC, runs.c.total_score))),
            sa.func.avg(sa.case((SUCC, runs.c.weighted_score))),
        ).where(runs.c.started_at >= cutoff)
    ).one()
    keys = ("totalRuns", "successfulRuns", "avgScore", "avgWeightedScore")
    return dict(zip(keys, row, strict=True))


def _seed_performance(conn: sa.Connection, key: sa.Column[Any], *where: Any) -> list[tuple]:
    rows = conn.execute(
        sa.select(
            key,
            sa.func.count(),
            sa.func.avg(runs.c.weighted_score),
            sa.func.min(runs.c.weighted_score),
            sa.func.max(runs.c.weighted_score),
        )
        .where(SUCC, runs.c.weighted_score.is_not(None), *where)
        .group_by(key)
    ).all()
    return sorted((r[0], r[1], float(r[2]), r[3], r[4]) for r in rows)


def _seed_trends(conn: sa.Connection, name: str, cutoff: int) -> dict[int, tuple[int, float]]:
    day = evaluations.c.created_at // 86_400_000
    rows = conn.execute(
        sa.select(day, sa.func.count(), sa.func.avg(evaluations.c.score))
        .where(evaluations.c.evaluator_name == name, evaluations.c.created_at >= cutoff)
        .group_by(day)
    ).all()
    return {int(d): (n, float(avg)) for d, n, avg in rows}


def _approx(value: Any) -> Any:
    return pytest.approx(value) if isinstance(value, float) else value


def _random_results(count: int, seed: int) -> list[ResultIn]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(count):
        status = rng.choice(["completed", "completed", "completed", "failed"])
        when = start + timedelta(minutes=rng.randrange(0, 31 * 24 * 60))
        out.append(
            ResultIn.model_validate(
                result(
                    f"rand-{seed}-{i}",
                    suite=rng.choice(["s1", "s2"]),
                    scenario=rng.choice(["a", "b", "c"]),
                    agent=rng.choice(["x", "y", "z"]),
                    model=rng.choice(["m1", "m2", "default", None]),
                    batchId=rng.choice(["b1", "b2", None]),
                    status=status,
                    isSuccessful=rng.random() < 0.6,
                    totalScore=rng.choice([None, round(rng.random(), 3)]),
                    weightedScore=rng.choice([None, round(rng.random() * 10, 3)]),
                    startedAt=when.isoformat(),
                    evaluations=[
                        _ev(
                            rng.choice(["lint", "judge"]),
                            round(rng.random(), 3),
                            (when + timedelta(minutes=rng.randrange(0, 90))).strftime(
                                "%Y-%m-%dT%H:%M"
                            ),
                        )
                        for _ in range(rng.randrange(0, 4))
                    ],
                )
            )
        )
    return out


def test_pre_aggregates_agree_with_the_seed_sql_on_random_data(db: Database) -> None:
    for item in _random_results(400, seed=7):
        submit_result(db, item)
    now = to_ms(datetime(2026, 2, 1, 0, 17, 41, tzinfo=UTC))
    with db.read() as conn:
        for days in (1, 3, 10, 40):
            cutoff = now - days * 86_400_000
            got = answers.global_stats(stats_service.global_stats(conn, days, now=now))
            assert got == {k: _approx(v) for k, v in _seed_global(conn, cutoff).items()}
            for name in ("lint", "judge"):
                trend = answers.evaluator_trends(
                    stats_service.evaluator_trends(conn, name, days, now=now)
                )
                expected = _seed_trends(conn, name, cutoff)
                assert [(t["count"], pytest.approx(t["avgScore"])) for t in trend] == [
                    expected[d] for d in sorted(expected)
                ]
        agents = [
            (a["agent"], a["runs"], a["avgScore"], a["minScore"], a["maxScore"])
            for a in answers.performance(stats_service.performance(conn, "agent"), "agent")
        ]
        assert sorted(agents) == [
            tuple(_approx(v) for v in row) for row in _seed_performance(conn, runs.c.agent)
        ]
        models = [
            (m["model"], m["runs"], m["avgScore"], m["minScore"], m["maxScore"])
            for m in answers.performance(stats_service.performance(conn, "model"), "model")
        ]
        seed_models = _seed_performance(
            conn, runs.c.model, runs.c.model.is_not(None), runs.c.model != "default"
        )
        assert sorted(models) == [tuple(_approx(v) for v in row) for row in seed_models]
        for suite in ("s1", "s2"):
            for scenario in ("a", "b", "c"):
                stats = answers.scenario_stats(stats_service.scenario_stats(conn, suite, scenario))
                low, high = conn.execute(
                    sa.select(
                        sa.func.min(runs.c.weighted_score), sa.func.max(runs.c.weighted_score)
                    ).where(runs.c.suite == suite, runs.c.scenario == scenario)
                ).one()
                assert (stats["minScore"], stats["maxScore"]) == (low, high)


def test_rebuild_reproduces_what_was_maintained(db: Database) -> None:
    for item in _random_results(150, seed=11):
        submit_result(db, item)

    def snapshot() -> Any:
        with db.read() as conn:
            return (
                answers.global_stats(stats_service.global_stats(conn, 60, now=NOW)),
                answers.performance(stats_service.performance(conn, "agent"), "agent"),
                answers.performance(stats_service.performance(conn, "model"), "model"),
                [answers.suite_stats(stats_service.suite_stats(conn, s)) for s in ("s1", "s2")],
                [
                    answers.scenario_stats(stats_service.scenario_stats(conn, "s1", c))
                    for c in ("a", "b", "c")
                ],
                answers.evaluator_trends(stats_service.evaluator_trends(conn, "lint", 60, now=NOW)),
                [analytics_json(batch_figures(conn, b)) for b in ("b1", "b2")],
                [
                    {**batch_json(batch_service.get_batch(conn, b)), "runs": runs_of_batch(conn, b)}
                    for b in ("b1", "b2")
                ],
            )

    before = snapshot()
    assert db.write(aggregates.rebuild_all) == 2
    after = snapshot()
    assert nearly_equal(after, before)  # sums may be added up in another order
