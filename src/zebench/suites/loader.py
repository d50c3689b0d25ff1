"""Finding suites and loading scenarios with their tiers, oracle, fixture and reference.

Layout (docs/harness.md, "Suites")::

    <suite>/prompts/<scenario>/<TIER>-<label>.md
    <suite>/scenarios/<scenario>/scenario.yaml
    <suite>/scenarios/<scenario>/oracle-answers.json    optional
    <suite>/scenarios/<scenario>/repo-fixture/ | repo/  the starting workspace
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from zebench.suites.confinement import confinement_problems
from zebench.suites.errors import Problem, SuiteError, UnknownName, problems_from_validation
from zebench.suites.model import Scenario

TIER_FILE = re.compile(r"^(L\d+|Lx)(-.*)?\.md$")
FIXTURE_DIRS = ("repo-fixture", "repo")
DEFAULT_ORACLE_FILE = "oracle-answers.json"
EXAMPLE_SUITES_DIR = Path(__file__).resolve().parent.parent / "examples" / "suites"
"""The suites shipped with the package; always searched after the user's."""


def tier_order(tier: str) -> tuple[int, int]:
    """L0 < L1 < ... < L10 < Lx."""
    return (1, 0) if tier == "Lx" else (0, int(tier[1:]))


def suite_search_path(suites_dir: Path | None) -> list[Path]:
    """Where suites are looked up, first match winning.

    ``suites_dir`` (``--suites-dir`` / ``ZEBENCH_SUITES_DIR``) or, without it,
    ``./suites`` when present; then the example suites shipped with zebench.
    """
    dirs: list[Path] = []
    if suites_dir is not None:
        dirs.append(suites_dir)
    elif Path("suites").is_dir():
        dirs.append(Path("suites"))
    if EXAMPLE_SUITES_DIR.is_dir():
        dirs.append(EXAMPLE_SUITES_DIR)
    return dirs


def is_suite_dir(path: Path) -> bool:
    return (path / "scenarios").is_dir()


def list_suites(search_path: list[Path]) -> dict[str, Path]:
    """Suite name -> directory, in search order (an earlier directory shadows a later one)."""
    found: dict[str, Path] = {}
    for root in search_path:
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if child.is_dir() and is_suite_dir(child) and child.name not in found:
                found[child.name] = child
    return found


def find_suite(name: str, search_path: list[Path]) -> Path:
    suites = list_suites(search_path)
    if name in suites:
        return suites[name]
    where = ", ".join(str(p) for p in search_path) or "(no suites directory)"
    known = ", ".join(suites) or "none"
    raise UnknownName(f"suite {name!r} not found in {where}; suites: {known}")


def list_scenarios(suite_dir: Path) -> list[str]:
    root = suite_dir / "scenarios"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "scenario.yaml").is_file())


def list_tiers(suite_dir: Path, scenario_id: str) -> dict[str, Path]:
    """Tier -> prompt file, ordered L0, L1, ..., Lx (the first file wins for a tier)."""
    prompts = suite_dir / "prompts" / scenario_id
    tiers: dict[str, Path] = {}
    if prompts.is_dir():
        for file in sorted(prompts.iterdir()):
            match = TIER_FILE.match(file.name)
            if match and file.is_file():
                tiers.setdefault(match.group(1), file)
    return dict(sorted(tiers.items(), key=lambda item: tier_order(item[0])))


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario with everything it refers to resolved to paths on disk."""

    scenario: Scenario
    suite: str
    suite_dir: Path
    scenario_dir: Path
    tiers: dict[str, Path]
    fixture_dir: Path | None
    oracle: dict[str, str] = field(default_factory=dict)
    reference_dir: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    """The YAML as written, for ``${...}`` template variables."""

    @property
    def id(self) -> str:
        return self.scenario_dir.name

    def prompt(self, tier: str) -> str:
        """The tier's prompt text; an unknown tier lists the tiers that exist."""
        path = self.tiers.get(tier)
        if path is None:
            known = ", ".join(self.tiers) or "none"
            raise UnknownName(
                f"tier {tier!r} not found for scenario {self.suite}/{self.id} "
                f"(prompts in {self.suite_dir / 'prompts' / self.id}); tiers: {known}"
            )
        return path.read_text(encoding="utf-8")


def read_yaml(file: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(file, where, "valid YAML", str(reason))]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(file, "", "a readable UTF-8 file", str(exc))]
    if not isinstance(data, dict):
        return None, [Problem(file, "", "a mapping of keys at the top level", type(data).__name__)]
    return data, []


def parse_scenario(file: Path) -> tuple[Scenario | None, dict[str, Any], list[Problem]]:
    data, problems = read_yaml(file)
    if data is None:
        return None, {}, problems
    try:
        return Scenario.model_validate(data), data, []
    except ValidationError as exc:
        return None, data, problems_from_validation(file, exc)


def read_oracle(file: Path) -> tuple[dict[str, str], list[Problem]]:
    """A flat JSON map question -> answer; non-text answers are kept as their JSON text."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [Problem(file, "", "a JSON object mapping question to answer", str(exc))]
    if not isinstance(data, dict):
        got = type(data).__name__
        return {}, [Problem(file, "", "a JSON object mapping question to answer", got)]
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}, []


def load_oracle(
    file: Path, scenario_dir: Path, answers_file: str | None
) -> tuple[dict[str, str], list[Problem]]:
    """The oracle of the scenario in ``file``: ``answers_file`` when it names one (it must
    exist), else oracle-answers.json when present, else none."""
    answers = scenario_dir / (answers_file or DEFAULT_ORACLE_FILE)
    if not answers.is_file():
        if not answers_file:
            return {}, []
        return {}, [Problem(file, "oracle.answers_file", "an existing file", str(answers))]
    return read_oracle(answers)


def fixture_dir(scenario_dir: Path) -> Path | None:
    for name in FIXTURE_DIRS:
        candidate = scenario_dir / name
        if candidate.is_dir():
            return candidate
    return None


def load_scenario(suite_dir: Path, scenario_id: str) -> LoadedScenario:
    """Load one scenario, or raise ``UnknownName`` / ``SuiteError`` listing every problem."""
    scenario_dir = suite_dir / "scenarios" / scenario_id
    file = scenario_dir / "scenario.yaml"
    if not file.is_file():
        known = ", ".join(list_scenarios(suite_dir)) or "none"
        raise UnknownName(
            f"scenario {scenario_id!r} not found in suite {suite_dir.name!r} "
            f"({suite_dir / 'scenarios'}); scenarios: {known}"
        )
    scenario, raw, problems = parse_scenario(file)
    if scenario is None:
        raise SuiteError(problems)
    # Confinement first: an oracle file outside the suite is refused, never read.
    problems += confinement_problems(file, raw, scenario_dir, suite_dir)
    if problems:
        raise SuiteError(problems)
    oracle, oracle_problems = load_oracle(file, scenario_dir, scenario.oracle.answers_file)
    problems += oracle_problems
    reference_dir = None
    if scenario.reference_path:
        reference_dir = (scenario_dir / scenario.reference_path).resolve()
        if not reference_dir.exists():
            problems.append(Problem(file, "reference_path", "an existing path", str(reference_dir)))
    if problems:
        raise SuiteError(problems)
    return LoadedScenario(
        scenario=scenario,
        suite=suite_dir.name,
        suite_dir=suite_dir,
        scenario_dir=scenario_dir,
        tiers=list_tiers(suite_dir, scenario_id),
        fixture_dir=fixture_dir(scenario_dir),
        oracle=oracle,
        reference_dir=reference_dir,
        raw=raw,
    )
