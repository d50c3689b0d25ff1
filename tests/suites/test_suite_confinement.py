"""Every path a scenario names stays inside its suite or the workspace: validate reports
each one that does not (file, key, value), run refuses the scenario, and fixture links
leading outside are never copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zebench.harness.workspace import copy_fixture
from zebench.sandbox.paths import LinkOutside
from zebench.suites import validate_path
from zebench.suites.errors import SuiteError
from zebench.suites.loader import load_scenario

HOSTILE = """
id: x
suite: s
reference_path: ../../../../etc
oracle:
  answers_file: ../../../../etc/passwd
heuristic_checks:
  files:
    - {name: f, path: ../../../../etc/passwd}
  patterns:
    - {name: p, file: /etc/passwd, pattern: root}
  structured:
    - {name: st, file: "src/../../secrets.json", json_path: $.a}
  scripts:
    - {name: sc, script: linked/check.py}
"""


def _suite(root: Path, yaml_text: str) -> Path:
    suite = root / "s"
    scenario = suite / "scenarios" / "x"
    (scenario / "repo").mkdir(parents=True)
    (scenario / "scenario.yaml").write_text(yaml_text)
    (suite / "prompts" / "x").mkdir(parents=True)
    (suite / "prompts" / "x" / "L0-minimal.md").write_text("do it")
    return suite


def test_validate_reports_every_path_leading_outside(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "check.py").write_text("print('ok')")
    suite = _suite(tmp_path, HOSTILE)
    # A symlink inside the suite that leads out counts the same as `..`.
    (suite / "scenarios" / "x" / "linked").symlink_to(outside)
    errors = {p.key: p for p in validate_path(suite) if not p.warning}
    for key, value in [
        ("reference_path", "../../../../etc"),
        ("oracle.answers_file", "../../../../etc/passwd"),
        ("heuristic_checks.files[0].path", "../../../../etc/passwd"),
        ("heuristic_checks.patterns[0].file", "/etc/passwd"),
        ("heuristic_checks.structured[0].file", "src/../../secrets.json"),
        ("heuristic_checks.scripts[0].script", "linked/check.py"),
    ]:
        assert key in errors, key
        assert errors[key].got == value
        assert errors[key].file == suite / "scenarios" / "x" / "scenario.yaml"


def test_run_refuses_the_scenario(tmp_path: Path) -> None:
    suite = _suite(tmp_path, HOSTILE)
    with pytest.raises(SuiteError) as caught:
        load_scenario(suite, "x")
    assert "oracle.answers_file" in str(caught.value)
    assert "reference_path" in str(caught.value)


def test_paths_that_stay_inside_are_fine(tmp_path: Path) -> None:
    suite = _suite(
        tmp_path,
        "id: x\nsuite: s\nreference_path: solution\nheuristic_checks:\n"
        "  files:\n    - {name: f, path: src/../README.md}\n",
    )
    (suite / "scenarios" / "x" / "solution").mkdir()
    assert [p for p in validate_path(suite) if not p.warning] == []
    assert load_scenario(suite, "x").reference_dir == (suite / "scenarios" / "x" / "solution")


def test_a_fixture_link_leading_outside_is_an_error_and_is_not_copied(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "id: x\nsuite: s\n")
    fixture = suite / "scenarios" / "x" / "repo"
    (fixture / "passwd").symlink_to("/etc/passwd")
    (fixture / "inside.txt").write_text("fine")
    (fixture / "alias.txt").symlink_to("inside.txt")  # stays inside: kept as a link
    errors = [p for p in validate_path(suite) if not p.warning]
    assert [(p.file.name, p.got) for p in errors] == [("passwd", "/etc/passwd")]
    workspace = tmp_path / "ws"
    with pytest.raises(LinkOutside, match="passwd -> /etc/passwd"):
        copy_fixture(fixture, workspace)
    assert not (workspace / "passwd").exists()
    os.unlink(fixture / "passwd")
    copy_fixture(fixture, workspace)
    assert os.readlink(workspace / "alias.txt") == "inside.txt"
