"""Every path a scenario names stays inside its suite (scripts, reference, oracle) or
inside the run's workspace (file, pattern and structured checks).

Suite paths are checked on disk, through ``..`` and symlinks; workspace paths can
only be checked as written here (the workspace does not exist yet), so they must be
relative and must not climb out with ``..``; the checks themselves refuse, at run
time, a file that a symlink leads outside the workspace.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from zebench.sandbox.paths import is_inside, links_leaving
from zebench.suites.errors import Problem
from zebench.suites.templates import TEMPLATE_VARIABLE

_IN_SUITE = "a path inside the suite directory {suite}"
_IN_WORKSPACE = "a path relative to the workspace that stays inside it"


def confinement_problems(
    file: Path, raw: dict[str, Any], scenario_dir: Path, suite_dir: Path
) -> list[Problem]:
    """One error per path of the scenario in ``file`` that leads outside where it must stay."""
    problems: list[Problem] = []
    expected = _IN_SUITE.format(suite=suite_dir)

    def in_suite(key: str, value: object) -> None:
        if not isinstance(value, str) or not value or TEMPLATE_VARIABLE.search(value):
            return
        if not is_inside(suite_dir, scenario_dir / value):
            problems.append(Problem(file, key, expected, value))

    in_suite("reference_path", raw.get("reference_path"))
    in_suite("oracle.answers_file", _section(raw, "oracle").get("answers_file"))
    checks = _section(raw, "heuristic_checks")
    for i, check in enumerate(_items(checks, "scripts")):
        in_suite(f"heuristic_checks.scripts[{i}].script", check.get("script"))
    for group, key in (("files", "path"), ("patterns", "file"), ("structured", "file")):
        for i, check in enumerate(_items(checks, group)):
            value = check.get(key)
            if isinstance(value, str) and value and not stays_in_workspace(value):
                problems.append(
                    Problem(file, f"heuristic_checks.{group}[{i}].{key}", _IN_WORKSPACE, value)
                )
    problems += _fixture_links(scenario_dir)
    return problems


def stays_in_workspace(pattern: str) -> bool:
    """``pattern`` is relative and no ``..`` in it climbs above the workspace root."""
    text = pattern.strip()
    if not text or text.startswith(("/", "~", "\\")) or (len(text) > 1 and text[1] == ":"):
        return False
    normal = posixpath.normpath(text)
    return normal != ".." and not normal.startswith("../")


def _fixture_links(scenario_dir: Path) -> list[Problem]:
    problems = []
    for name in ("repo-fixture", "repo"):
        fixture = scenario_dir / name
        if fixture.is_dir():
            for link, target in links_leaving(fixture):
                problems.append(
                    Problem(
                        fixture / link,
                        "",
                        "a symlink that stays inside the fixture (it would not be copied)",
                        target,
                    )
                )
    return problems


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _items(section: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = section.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
