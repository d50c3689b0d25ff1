"""Loading suites in the original format: the real suites, tiers, errors that say where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness_support import REFERENCE_SUITES
from zebench.suites import (
    EXAMPLE_SUITES_DIR,
    SuiteError,
    UnknownName,
    find_suite,
    list_scenarios,
    list_suites,
    load_scenario,
    suite_search_path,
)


def _suite(tmp_path: Path, yaml_text: str, *, tiers: tuple[str, ...] = ("L0-minimal.md",)) -> Path:
    suite = tmp_path / "s"
    scenario = suite / "scenarios" / "x"
    (scenario / "repo").mkdir(parents=True)
    (scenario / "scenario.yaml").write_text(yaml_text)
    prompts = suite / "prompts" / "x"
    prompts.mkdir(parents=True)
    for name in tiers:
        (prompts / name).write_text(f"prompt {name}")
    return suite


@pytest.mark.parametrize(
    ("suite", "scenario", "tiers"),
    [
        ("update-deps", "nx-pnpm-monorepo", ["L0", "L1", "L2", "L3", "Lx"]),
        ("test-suite", "test-scenario", ["L0", "L1", "L2"]),
    ],
)
def test_the_original_suites_load_unchanged(suite: str, scenario: str, tiers: list[str]) -> None:
    loaded = load_scenario(REFERENCE_SUITES / suite, scenario)
    assert list(loaded.tiers) == tiers
    assert loaded.fixture_dir is not None and loaded.fixture_dir.name == "repo-fixture"
    assert loaded.scenario.timeout_minutes == 40
    assert loaded.scenario.managers_allowed() == ["pnpm"]
    assert [n.from_ for n in loaded.scenario.constraints.namespace_migrations] == ["xterm"]
    assert loaded.scenario.validation.commands.defined()[0] == ("install", "pnpm install")
    assert loaded.scenario.rubric_overrides.weights["tests_nonregression"] == 1.5
    assert "should i update to react 19" in loaded.oracle
    assert loaded.prompt("L0").strip() == "Update dependencies."


def test_a_missing_tier_lists_the_tiers_that_exist() -> None:
    loaded = load_scenario(REFERENCE_SUITES / "test-suite", "test-scenario")
    with pytest.raises(UnknownName) as err:
        loaded.prompt("L3")
    assert "tier 'L3' not found" in str(err.value)
    assert "tiers: L0, L1, L2" in str(err.value)


def test_tiers_follow_the_tier_file_pattern_and_sort_numerically(tmp_path: Path) -> None:
    names = ("L10-huge.md", "Lx-adversarial.md", "L2.md", "L1-basic.md", "notes.md", "L1x.md")
    suite = _suite(tmp_path, "id: x\nsuite: s\n", tiers=names)
    assert list(load_scenario(suite, "x").tiers) == ["L1", "L2", "L10", "Lx"]


def test_unknown_keys_are_kept_not_fatal(tmp_path: Path) -> None:
    suite = _suite(
        tmp_path,
        "id: x\nsuite: s\nfuture_key: 1\nllm_judge:\n  enabled: true\n  style: strict\n",
    )
    scenario = load_scenario(suite, "x").scenario
    assert scenario.model_extra == {"future_key": 1}
    assert scenario.llm_judge.model_extra == {"style": "strict"}
    assert scenario.unknown_keys() == ["future_key", "llm_judge.style"]


def test_errors_name_the_file_the_key_and_what_was_expected(tmp_path: Path) -> None:
    suite = _suite(
        tmp_path,
        "suite: s\n"
        "timeout_minutes: soon\n"
        "heuristic_checks:\n"
        "  patterns:\n"
        "    - {name: p, file: '*.py', pattern: '([unclosed', weight: 1}\n"
        "  structured:\n"
        "    - {name: q, file: a.json}\n",
    )
    with pytest.raises(SuiteError) as err:
        load_scenario(suite, "x")
    file = suite / "scenarios" / "x" / "scenario.yaml"
    messages = [str(p) for p in err.value.problems]
    assert f"{file}: id: expected a value (this key is required)" in messages
    assert any(
        m.startswith(f"{file}: timeout_minutes: expected a valid number") and "'soon'" in m
        for m in messages
    )
    assert any(
        m.startswith(f"{file}: heuristic_checks.patterns[0].pattern: expected a valid regular")
        for m in messages
    )
    assert any(
        m.startswith(f"{file}: heuristic_checks.structured[0]: expected exactly one of json_path")
        for m in messages
    )
    assert len(messages) == 4


def test_yaml_syntax_errors_point_at_the_line(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "id: x\nsuite: s\ntitle: [unclosed\n")
    with pytest.raises(
        SuiteError, match=r"scenario.yaml: line \d+, column \d+: expected valid YAML"
    ):
        load_scenario(suite, "x")


def test_unknown_suite_and_scenario_list_what_exists(tmp_path: Path) -> None:
    path = [REFERENCE_SUITES]
    with pytest.raises(UnknownName, match="suites: test-suite, update-deps"):
        find_suite("nope", path)
    with pytest.raises(UnknownName, match="scenarios: nx-pnpm-monorepo"):
        load_scenario(REFERENCE_SUITES / "update-deps", "nope")


def test_the_search_path_puts_the_users_suites_before_the_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert list_scenarios(EXAMPLE_SUITES_DIR / "example") == ["fix-slugify", "release-notes"]
    monkeypatch.chdir(tmp_path)
    assert suite_search_path(None) == [EXAMPLE_SUITES_DIR]
    shutil.copytree(REFERENCE_SUITES / "test-suite", tmp_path / "suites" / "test-suite")
    shutil.copytree(EXAMPLE_SUITES_DIR / "example", tmp_path / "suites" / "example")
    found = list_suites(suite_search_path(None))
    assert found["example"] == Path("suites") / "example"  # ./suites shadows the shipped one
    assert set(found) == {"example", "test-suite"}
    explicit = list_suites(suite_search_path(REFERENCE_SUITES))
    assert set(explicit) == {"example", "test-suite", "update-deps"}
    assert explicit["example"] == EXAMPLE_SUITES_DIR / "example"


def test_oracle_and_reference_must_exist(tmp_path: Path) -> None:
    suite = _suite(
        tmp_path,
        "id: x\nsuite: s\noracle: {answers_file: ./answers.json}\nreference_path: ./solution\n",
    )
    with pytest.raises(SuiteError) as err:
        load_scenario(suite, "x")
    keys = sorted(p.key for p in err.value.problems)
    assert keys == ["oracle.answers_file", "reference_path"]
