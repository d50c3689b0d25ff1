"""``zebench validate`` reports every problem of a suite at once, and passes good suites."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness_support import REFERENCE_SUITES, ZEBENCH
from zebench.suites import EXAMPLE_SUITES_DIR, validate_path


def _broken_suite(root: Path) -> Path:
    suite = root / "broken"
    (suite / "scenarios" / "no-yaml").mkdir(parents=True)
    bad = suite / "scenarios" / "bad"
    bad.mkdir(parents=True)
    (bad / "scenario.yaml").write_text(
        "id: other-id\n"
        "suite: broken\n"
        "heuristic_checks:\n"
        "  files:\n"
        "    - {name: f, path: a.txt, weight: heavy}\n"
        "  scripts:\n"
        "    - {name: s, script: ./check.sh, args: ['${nonsense}']}\n"
    )
    (bad / "oracle-answers.json").write_text("[1, 2]")
    prompts = suite / "prompts" / "bad"
    prompts.mkdir(parents=True)
    (prompts / "L1-basic.md").write_text("   \n")
    (prompts / "readme.md").write_text("not a tier")
    (suite / "prompts" / "ghost").mkdir()
    return suite


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    suite = _broken_suite(tmp_path)
    problems = validate_path(suite)
    errors = {(p.file.name, p.key, p.expected) for p in problems if not p.warning}
    warnings = {(p.file.name, p.key) for p in problems if p.warning}
    assert ("no-yaml", "", "a scenario.yaml file") in errors
    assert ("L1-basic.md", "", "a non-empty prompt for tier L1") in errors
    assert any(k == "heuristic_checks.files[0].weight" for _, k, _ in errors)
    assert ("oracle-answers.json", "", "a JSON object mapping question to answer") in errors
    assert ("ghost", "") in warnings
    assert ("readme.md", "") in warnings
    # A schema error does not hide the file checks.
    assert ("bad", "") in {(p.file.name, p.key) for p in problems}  # no fixture


def test_a_valid_scenario_still_gets_every_file_check(tmp_path: Path) -> None:
    suite = _broken_suite(tmp_path)
    yaml = suite / "scenarios" / "bad" / "scenario.yaml"
    yaml.write_text(yaml.read_text().replace("weight: heavy", "weight: 2"))
    problems = validate_path(suite)
    by_key = {(p.file.name, p.key): p for p in problems}
    assert by_key[("scenario.yaml", "id")].warning  # id differs from the directory
    assert not by_key[("oracle-answers.json", "")].warning
    assert by_key[("scenario.yaml", "heuristic_checks.scripts[0].args[0]")].got == "${nonsense}"
    assert by_key[("scenario.yaml", "heuristic_checks.scripts[0].script")].warning
    assert not by_key[("bad", "")].warning  # no repo-fixture/ or repo/


def test_the_original_and_example_suites_have_no_errors() -> None:
    for root in (REFERENCE_SUITES, EXAMPLE_SUITES_DIR):
        errors = [str(p) for p in validate_path(root) if not p.warning]
        assert errors == []


def test_the_cli_prints_each_problem_and_exits_1(tmp_path: Path) -> None:
    suite = _broken_suite(tmp_path)
    proc = subprocess.run(
        [ZEBENCH, "validate", str(suite)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count("error ") >= 4
    assert "expected a scenario.yaml file" in proc.stdout
    ok = subprocess.run(
        [ZEBENCH, "validate", str(EXAMPLE_SUITES_DIR)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout
    assert "0 error(s)" in ok.stdout
