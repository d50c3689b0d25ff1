"""``zebench validate --run``: guards named, a reference that cannot win is an error, tests
that change their mind on the same fixture are flaky."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness_support import cli_env, make_scenario, offline_settings, zebench
from zebench.harness.scenario_check import check_scenario
from zebench.suites import load_scenario

TESTS = """from pathlib import Path

from calc import double


def test_double():
    assert double(2) == 4


def test_stable():
    assert True


def test_changes_its_mind():
    # Passes on the first run in a workspace, fails on the next: flaky by construction.
    marker = Path("ran-once")
    first = not marker.exists()
    marker.write_text("x")
    assert first
"""
FILES = {
    "calc.py": "def double(x):\n    return x + 2\n",
    "tests/test_calc.py": TESTS,
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
}


def _scenario(root: Path, reference: str | None, **extra: Any) -> Path:
    spec: dict[str, Any] = {
        "validation": {"commands": {"test": "python -m pytest -q -p no:cacheprovider"}},
        "heuristic_checks": {
            "files": [{"name": "has_calc", "path": "calc.py"}],
            "patterns": [{"name": "multiplies", "file": "calc.py", "pattern": "x \\* 2"}],
        },
        **extra,
    }
    if reference is not None:
        spec["reference_path"] = "./reference"
    suite = make_scenario(root, spec, FILES)
    if reference is not None:
        solution = suite / "scenarios" / "x" / "reference"
        solution.mkdir()
        (solution / "calc.py").write_text(reference)
    return suite


async def test_guards_flaky_tests_and_a_reference_that_wins(tmp_path: Path) -> None:
    suite = _scenario(tmp_path, "def double(x):\n    return x * 2\n")
    check = await check_scenario(load_scenario(suite, "x"), offline_settings(tmp_path / "h"))
    by_level = {level: [f.message for f in check.findings if f.level == level] for level in
                ("info", "warning", "error")}  # fmt: skip
    assert check.errors == 0, check.findings
    assert any("file check 'has_calc'" in m for m in by_level["info"])
    assert any("tests.test_calc::test_changes_its_mind" in m for m in by_level["warning"])
    assert not any("test_stable" in m for m in by_level["warning"])
    assert "the reference solution passes every check and validation command" in by_level["info"]


async def test_a_reference_that_fails_is_an_error(tmp_path: Path) -> None:
    suite = _scenario(tmp_path, "def double(x):\n    return x * 2 - 1\n")
    check = await check_scenario(load_scenario(suite, "x"), offline_settings(tmp_path / "h"))
    errors = [f.message for f in check.findings if f.level == "error"]
    assert "the reference solution fails test(s): tests.test_calc::test_double" in errors
    assert any("validation.test (exit 1)" in m for m in errors), errors


async def test_no_reference_and_nothing_to_do(tmp_path: Path) -> None:
    files = {"a.txt": "done\n"}
    checks = {"heuristic_checks": {"files": [{"name": "a", "path": "a.txt"}]}}
    suite = make_scenario(tmp_path, checks, files)
    check = await check_scenario(load_scenario(suite, "x"), offline_settings(tmp_path / "h"))
    messages = {f.level: f.message for f in check.findings}
    assert "nothing fails on the untouched fixture" in messages["error"]
    assert "no reference_path" in messages["warning"]


def test_the_cli_exits_non_zero_on_errors(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home")
    good = _scenario(tmp_path / "good", "def double(x):\n    return x * 2\n")
    proc = zebench(["validate", str(good), "--run"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "flaky" in proc.stdout and "0 error(s)" in proc.stdout
    bad = _scenario(tmp_path / "bad", "def double(x):\n    return x + 2\n")
    proc = zebench(["validate", str(bad), "--run"], env)
    assert proc.returncode == 1
    assert "the reference solution fails" in proc.stdout
