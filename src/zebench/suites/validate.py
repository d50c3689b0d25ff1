"""``zebench validate``: check suites and report every problem at once.

Errors make a scenario unusable; warnings (unknown keys, a suite name that
differs from its directory) are reported but do not fail validation.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from zebench.suites.confinement import confinement_problems
from zebench.suites.errors import Problem
from zebench.suites.loader import (
    TIER_FILE,
    fixture_dir,
    is_suite_dir,
    list_tiers,
    load_oracle,
    parse_scenario,
)
from zebench.suites.model import Scenario
from zebench.suites.templates import TEMPLATE_VARIABLE, known_variable


def validate_path(path: Path) -> list[Problem]:
    """Problems in a suites directory, one suite, one scenario directory or one scenario.yaml.

    ``.``, ``..`` and other relative paths are read as the directories they name (a
    suite's name is its directory's); problems then name their files relative to the
    working directory, as the path was given.
    """
    absolute = Path(os.path.abspath(path))
    problems = _validate(absolute)
    if path.is_absolute():
        return problems
    return [replace(p, file=Path(os.path.relpath(p.file))) for p in problems]


def _validate(path: Path) -> list[Problem]:
    if not path.exists():
        return [Problem(path, "", "an existing suites directory, suite or scenario")]
    if path.is_file():
        return validate_scenario(path.parent.parent.parent, path.parent)
    if (path / "scenario.yaml").is_file():
        return validate_scenario(path.parent.parent, path)
    if is_suite_dir(path):
        return validate_suite(path)
    suites = [child for child in sorted(path.iterdir()) if is_suite_dir(child)]
    if not suites:
        return [
            Problem(
                path,
                "",
                "a suites directory (suites with a scenarios/ directory), "
                "a suite, or a scenario directory with scenario.yaml",
            )
        ]
    return [problem for suite in suites for problem in validate_suite(suite)]


def scenarios_at(path: Path) -> list[tuple[Path, str]]:
    """(suite directory, scenario id) of every scenario ``validate_path`` looks at; absolute,
    as scripts get ``${fixture}`` and run in the workspace."""
    path = path.resolve()
    if path.is_file():
        return [(path.parent.parent.parent, path.parent.name)]
    if (path / "scenario.yaml").is_file():
        return [(path.parent.parent, path.name)]
    suites = (
        [path] if is_suite_dir(path) else [c for c in sorted(path.iterdir()) if is_suite_dir(c)]
    )
    return [
        (suite, child.name)
        for suite in suites
        for child in sorted((suite / "scenarios").iterdir())
        if (child / "scenario.yaml").is_file()
    ]


def validate_suite(suite_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    scenarios_root = suite_dir / "scenarios"
    children = sorted(p for p in scenarios_root.iterdir() if p.is_dir())
    if not children:
        problems.append(Problem(scenarios_root, "", "at least one scenario directory"))
    for scenario_dir in children:
        if not (scenario_dir / "scenario.yaml").is_file():
            problems.append(Problem(scenario_dir, "", "a scenario.yaml file"))
            continue
        problems += validate_scenario(suite_dir, scenario_dir)
    prompts_root = suite_dir / "prompts"
    if prompts_root.is_dir():
        names = {p.name for p in children}
        for prompt_dir in sorted(p for p in prompts_root.iterdir() if p.is_dir()):
            if prompt_dir.name not in names:
                problems.append(
                    Problem(
                        prompt_dir,
                        "",
                        "prompts for an existing scenario",
                        f"no scenarios/{prompt_dir.name}/",
                        warning=True,
                    )
                )
    return problems


def validate_scenario(suite_dir: Path, scenario_dir: Path) -> list[Problem]:
    file = scenario_dir / "scenario.yaml"
    scenario, raw, problems = parse_scenario(file)
    problems += _tier_problems(suite_dir, scenario_dir.name)
    # Files are checked from the YAML as written, so a schema error elsewhere
    # does not hide them.
    problems += _file_problems(file, raw, scenario_dir)
    problems += confinement_problems(file, raw, scenario_dir, suite_dir)
    if scenario is None:
        return problems
    problems += _identity_problems(file, scenario, suite_dir, scenario_dir)
    problems += _check_problems(file, scenario, scenario_dir)
    problems += _template_problems(file, scenario, raw)
    problems += [
        Problem(file, key, "a key this harness knows (kept, unused)", warning=True)
        for key in scenario.unknown_keys()
    ]
    return problems


def _tier_problems(suite_dir: Path, scenario_id: str) -> list[Problem]:
    prompts = suite_dir / "prompts" / scenario_id
    if not prompts.is_dir():
        return [Problem(prompts, "", "a prompts directory with tier files like L0-minimal.md")]
    problems: list[Problem] = []
    tiers = list_tiers(suite_dir, scenario_id)
    if not tiers:
        problems.append(
            Problem(prompts, "", "at least one tier file named like L1-basic.md (L<n> or Lx)")
        )
    for file in sorted(prompts.iterdir()):
        if file.is_file() and file.suffix == ".md" and not TIER_FILE.match(file.name):
            problems.append(
                Problem(file, "", "a name matching ^(L\\d+|Lx)(-.*)?\\.md$", None, warning=True)
            )
    for tier, file in tiers.items():
        if not file.read_text(encoding="utf-8", errors="replace").strip():
            problems.append(Problem(file, "", f"a non-empty prompt for tier {tier}"))
    return problems


def _identity_problems(
    file: Path, scenario: Scenario, suite_dir: Path, scenario_dir: Path
) -> list[Problem]:
    problems = []
    if scenario.id != scenario_dir.name:
        problems.append(
            Problem(
                file, "id", f"the directory name {scenario_dir.name!r}", repr(scenario.id), True
            )
        )
    if scenario.suite != suite_dir.name:
        problems.append(
            Problem(
                file, "suite", f"the suite directory {suite_dir.name!r}", repr(scenario.suite), True
            )
        )
    return problems


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _file_problems(file: Path, raw: dict[str, Any], scenario_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    artifact = "artifact" in raw or _section(raw, "workspace").get("required") is False
    if not artifact and fixture_dir(scenario_dir) is None:
        problems.append(
            Problem(
                scenario_dir,
                "",
                "a repo-fixture/ or repo/ directory (the starting workspace), "
                "or workspace.required: false for an artifact scenario",
            )
        )
    answers_file = _section(raw, "oracle").get("answers_file")
    problems += load_oracle(file, scenario_dir, str(answers_file) if answers_file else None)[1]
    reference = raw.get("reference_path")
    if reference and not (scenario_dir / str(reference)).exists():
        problems.append(Problem(file, "reference_path", "an existing path", str(reference)))
    return problems


def _check_problems(file: Path, scenario: Scenario, scenario_dir: Path) -> list[Problem]:
    problems: list[Problem] = []
    for i, check in enumerate(scenario.heuristic_checks.scripts):
        if not (scenario_dir / check.script).is_file():
            problems.append(
                Problem(
                    file,
                    f"heuristic_checks.scripts[{i}].script",
                    "a script file relative to the scenario directory "
                    "(else it must exist in the workspace after the agent ran)",
                    check.script,
                    warning=True,
                )
            )
    if scenario.llm_judge.enabled and not scenario.llm_judge.categories:
        problems.append(
            Problem(
                file,
                "llm_judge.categories",
                "categories for the judge (without them it grades on generic default categories)",
                "[]",
                warning=True,
            )
        )
    return problems


def _template_problems(file: Path, scenario: Scenario, raw: dict[str, object]) -> list[Problem]:
    problems: list[Problem] = []
    for i, check in enumerate(scenario.heuristic_checks.scripts):
        for j, arg in enumerate([check.script, *check.args]):
            for name in TEMPLATE_VARIABLE.findall(arg):
                if not known_variable(name, raw):
                    key = (
                        f"heuristic_checks.scripts[{i}].script"
                        if j == 0
                        else f"heuristic_checks.scripts[{i}].args[{j - 1}]"
                    )
                    problems.append(
                        Problem(file, key, "a known template variable", "${" + name + "}")
                    )
    return problems
