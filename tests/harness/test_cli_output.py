"""The CLI as a script or a log file sees it: stdout a pipe, an 80-column COLUMNS."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from harness_support import cli_env, zebench
from zebench import __version__

EXAMPLE = Path(__file__).resolve().parents[2] / "src/zebench/examples/suites/example"
COMMANDS = [
    ["serve"], ["import"], ["export"], ["run"], ["batch"], ["suites"], ["scenarios"],
    ["validate"], ["sync"], ["scrape"], ["db"], ["db", "upgrade"], ["db", "current"],
    ["db", "rebuild-aggregates"], ["keys"], ["keys", "create"], ["keys", "list"],
]  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path / "home", COLUMNS="80")


def test_version_is_printed_without_a_command(env: dict[str, str]) -> None:
    result = zebench(["--version"], env)
    assert (result.returncode, result.stdout) == (0, f"zebench {__version__}\n")


def test_help_has_no_placeholders_and_whole_sentences(env: dict[str, str]) -> None:
    for command in [[], *COMMANDS]:
        result = zebench([*command, "--help"], env)
        assert result.returncode == 0, (command, result.stderr)
        assert "<bool>" not in result.stdout, command
        assert "[[" not in result.stdout, command  # optional arguments bracketed once
        listed = result.stdout.partition("Commands:")[2]
        assert "..." not in listed, (command, listed)
    top = zebench(["--help"], env).stdout
    # A command's first sentence is listed whole, wrapped in its column.
    assert "told otherwise)." in " ".join(top.split())


def _copy_example(tmp_path: Path) -> Path:
    suite = tmp_path / "suites" / "example"
    shutil.copytree(EXAMPLE, suite)
    return suite


def test_validate_resolves_relative_paths_from_anywhere(
    env: dict[str, str], tmp_path: Path
) -> None:
    suite = _copy_example(tmp_path)
    scenario = suite / "scenarios" / "fix-slugify"
    for cwd, path in [
        (suite, "."),
        (scenario, "."),
        (scenario, "scenario.yaml"),
        (scenario, "../.."),
        (tmp_path, "suites"),
        (tmp_path, "suites/example/scenarios/release-notes"),
    ]:
        result = zebench(["validate", path], env, cwd=cwd)
        assert result.returncode == 0, (cwd, path, result.stdout)
        assert result.stdout == f"{path}: 0 error(s), 0 warning(s)\n", (cwd, path)


def test_validate_names_problem_files_as_the_path_was_given(
    env: dict[str, str], tmp_path: Path
) -> None:
    suite = _copy_example(tmp_path)
    (suite / "prompts" / "fix-slugify" / "L1-basic.md").write_text("   \n")
    scenario = suite / "scenarios" / "fix-slugify"
    result = zebench(["validate", "."], env, cwd=scenario)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "error ../../prompts/fix-slugify/L1-basic.md: expected a non-empty prompt for tier L1",
        ".: 1 error(s), 0 warning(s)",
    ]


def test_listing_commands_speak_json(env: dict[str, str], tmp_path: Path) -> None:
    suites = json.loads(zebench(["suites", "--format", "json"], env).stdout)
    assert {"suite": "example", "scenarios": 2, "path": str(EXAMPLE)} in suites
    scenarios = json.loads(zebench(["scenarios", "example", "--format", "json"], env).stdout)
    assert [(s["scenario"], s["tiers"]) for s in scenarios] == [
        ("fix-slugify", ["L0", "L1", "L2"]),
        ("release-notes", ["L0", "L1"]),
    ]
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    assert json.loads(zebench(["keys", "list", "--format", "json", "--database-url", url], env)
                      .stdout) == []  # fmt: skip
    zebench(["keys", "create", "--name", "ci", "--database-url", url], env)
    [key] = json.loads(
        zebench(["keys", "list", "--format", "json", "--database-url", url], env).stdout
    )
    assert (key["name"], key["scope"], key["revokedAt"]) == ("ci", "write", None)
    bad = zebench(["suites", "--format", "yaml"], env)
    assert bad.returncode == 2 and "yaml" in bad.stderr


SUMMARY_ROW = re.compile(r"^\W*(echo|reference)\W+\(no model\)\W+(\d+)\W+(\d+)\W+(\d+)%")


def _summary(stdout: str) -> dict[str, tuple[int, int, int]]:
    rows = {}
    for line in stdout.splitlines():
        if match := SUMMARY_ROW.match(line):
            agent, runs, failed, success = match.groups()
            rows[agent] = (int(runs), int(failed), int(success))
    return rows


def test_a_resumed_batch_is_summarised_whole_and_a_finished_one_says_so(
    env: dict[str, str],
) -> None:
    matrix = ["--suite", "example", "--scenario", "fix-slugify", "--tier", "L0,L1"]
    first = zebench(["batch", *matrix, "--agent", "echo"], env)
    assert first.returncode == 0, first.stdout + first.stderr
    batch_id = re.search(r"batch (batch-\S+):", first.stdout)
    assert batch_id is not None
    # The summary is wider than COLUMNS, yet no cell is wrapped: a score keeps its interval.
    assert re.search(r"│ +\d+\.\d\d ± \d+\.\d\d │", first.stdout)

    resumed = zebench(
        ["batch", "--resume", batch_id.group(1), *matrix, "--agent", "echo,reference"], env
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "2 run(s) to do, 2 already done" in resumed.stdout
    assert "whole batch: 2 earlier run(s), 2 now" in resumed.stdout
    assert _summary(resumed.stdout) == {"echo": (2, 0, 0), "reference": (2, 0, 100)}
    assert "cost: this session's runs only (2 earlier run(s) not counted)\n" in resumed.stdout

    again = zebench(["batch", "--resume", batch_id.group(1)], env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"batch {batch_id.group(1)}: nothing left to run, all 4 run(s) completed" in (
        again.stdout
    )
    assert "\n\n" not in again.stdout.split("(whole batch")[0]
    assert _summary(again.stdout) == {"echo": (2, 0, 0), "reference": (2, 0, 100)}
