"""The scenario.yaml schema of ze-benchmarks suites (docs/harness.md, "Suites").

Every section keeps keys it does not know (``extra="allow"``): suites written
for newer or older harnesses still load, and the unknown keys stay readable
through ``model_extra``. Only what the harness acts on is typed.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

VALIDATION_STEPS = ("install", "test", "lint", "typecheck", "build")
"""The validation commands a scenario may define, in the order they run."""


class Section(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


Weight = Field(default=1.0, ge=0)


class WorkspaceSpec(Section):
    required: bool = True
    node: str | None = None
    manager: str | None = None
    managers_allowed: list[str] = Field(default_factory=list)
    workspaces: str | None = None


class ArtifactSpec(Section):
    type: str
    figma_file_id: str | None = None


class BaselineCommand(Section):
    cmd: str = Field(min_length=1)


class Baseline(Section):
    run: list[BaselineCommand] = Field(default_factory=list)


class BlockedPackage(Section):
    name: str
    reason: str | None = None


class NamespaceMigration(Section):
    from_: str = Field(alias="from")
    to: str


class Companion(Section):
    name: str
    rule: str | None = None


class CompanionVersions(Section):
    main: str
    companions: list[Companion] = Field(default_factory=list)


class Constraints(Section):
    managers_allowed: list[str] = Field(default_factory=list)
    blocklist: list[BlockedPackage] = Field(default_factory=list)
    namespace_migrations: list[NamespaceMigration] = Field(default_factory=list)
    companion_versions: list[CompanionVersions] = Field(default_factory=list)


class Target(Section):
    name: str
    to: str


class Targets(Section):
    required: list[Target] = Field(default_factory=list)
    optional: list[Target] = Field(default_factory=list)


class ValidationCommands(Section):
    install: str | None = None
    test: str | None = None
    lint: str | None = None
    typecheck: str | None = None
    build: str | None = None

    def defined(self) -> list[tuple[str, str]]:
        """(step, command) for every step the scenario defines, in running order."""
        out: list[tuple[str, str]] = []
        for step in VALIDATION_STEPS:
            command = getattr(self, step)
            if command and command.strip():
                out.append((step, command))
        return out


class Validation(Section):
    required: bool = True
    commands: ValidationCommands = Field(default_factory=ValidationCommands)
    test_report: str | None = Field(default=None, min_length=1)
    """The JUnit XML file the test command writes, relative to the workspace (jest-junit,
    gotestsum, cargo2junit...). Without it, pytest is asked for one."""

    @field_validator("test_report")
    @classmethod
    def _inside_workspace(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith("/") or ".." in value.split("/")):
            raise ValueError("a path relative to the workspace, without '..'")
        return value


class Oracle(Section):
    answers_file: str | None = None


class CommandCheck(Section):
    name: str
    command: str = Field(min_length=1)
    weight: float = Weight
    description: str | None = None


class FileCheck(Section):
    name: str
    path: str = Field(min_length=1)
    exists: bool = True
    """``false`` requires the path to be absent."""
    weight: float = Weight
    description: str | None = None


class PatternCheck(Section):
    name: str
    file: str = Field(min_length=1)
    """A glob relative to the workspace (``**`` and ``{a,b}`` allowed)."""
    pattern: str = Field(min_length=1)
    negate: bool = False
    """Pass when NO matched file contains the pattern (``must_not_match: true`` is the same)."""
    must_not_match: bool = False
    weight: float = Weight
    description: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"a valid regular expression ({exc})") from None
        return value

    @property
    def negated(self) -> bool:
        return self.negate or self.must_not_match


class StructuredCheck(Section):
    name: str
    file: str = Field(min_length=1)
    json_path: str | None = None
    section_header: str | None = None
    exists: bool = True
    equals: Any = None
    """With ``json_path``: the value found must equal this (when given)."""
    weight: float = Weight
    description: str | None = None

    @model_validator(mode="after")
    def _one_locator(self) -> StructuredCheck:
        if (self.json_path is None) == (self.section_header is None):
            raise ValueError("exactly one of json_path or section_header")
        return self


class ScriptCheck(Section):
    name: str
    script: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    weight: float = Weight
    description: str | None = None

    @field_validator("args", mode="before")
    @classmethod
    def _args_as_text(cls, value: Any) -> Any:
        # YAML turns `- 3` or `- true` into numbers and booleans; a command line wants text.
        if isinstance(value, list):
            return [str(v).lower() if isinstance(v, bool) else str(v) for v in value]
        return value


class HeuristicChecksSpec(Section):
    enabled: bool = True
    commands: list[CommandCheck] = Field(default_factory=list)
    files: list[FileCheck] = Field(default_factory=list)
    patterns: list[PatternCheck] = Field(default_factory=list)
    structured: list[StructuredCheck] = Field(default_factory=list)
    scripts: list[ScriptCheck] = Field(default_factory=list)

    def count(self) -> int:
        return sum(
            len(group)
            for group in (self.commands, self.files, self.patterns, self.structured, self.scripts)
        )


class LlmJudgeSpec(Section):
    enabled: bool = False
    model: str | None = None
    temperature: float = Field(default=0.1, ge=0, le=2)
    max_tokens: int = Field(default=2000, gt=0)
    categories: list[str] = Field(default_factory=list)


class RubricOverrides(Section):
    weights: dict[str, float] = Field(default_factory=dict)

    @field_validator("weights")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for metric, weight in value.items():
            if weight < 0:
                raise ValueError(f"a weight >= 0 for {metric!r}, got {weight}")
        return value


class SandboxSpec(Section):
    network: Literal["none", "on", "host"] = "none"
    """What network the run's commands get (``--sandbox-network`` overrides it)."""

    @field_validator("network", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: Any) -> Any:
        # YAML reads a bare `on` as true and `off`/`no` as false.
        if value is True:
            return "on"
        if value is False:
            return "none"
        return value


class Scenario(Section):
    """One scenario.yaml. ``id`` and ``suite`` are required; everything else is optional."""

    id: str = Field(min_length=1)
    suite: str = Field(min_length=1)
    title: str | None = None
    description: str | None = None
    timeout_minutes: float | None = Field(default=None, gt=0)
    workspace: WorkspaceSpec | None = None
    artifact: ArtifactSpec | None = None
    baseline: Baseline = Field(default_factory=Baseline)
    constraints: Constraints = Field(default_factory=Constraints)
    targets: Targets = Field(default_factory=Targets)
    validation: Validation = Field(default_factory=Validation)
    oracle: Oracle = Field(default_factory=Oracle)
    warmup: dict[str, Any] | None = None
    heuristic_checks: HeuristicChecksSpec = Field(default_factory=HeuristicChecksSpec)
    llm_judge: LlmJudgeSpec = Field(default_factory=LlmJudgeSpec)
    rubric_overrides: RubricOverrides = Field(default_factory=RubricOverrides)
    reference_path: str | None = None
    sandbox: SandboxSpec = Field(default_factory=SandboxSpec)

    @property
    def is_artifact(self) -> bool:
        """Artifact scenarios evaluate something outside a repository: no fixture is copied."""
        return self.artifact is not None or (
            self.workspace is not None and not self.workspace.required
        )

    def managers_allowed(self) -> list[str]:
        """Package managers the agent may use (constraints first, then workspace)."""
        if self.constraints.managers_allowed:
            return self.constraints.managers_allowed
        if self.workspace is not None:
            return self.workspace.managers_allowed
        return []

    def unknown_keys(self) -> list[str]:
        """Dotted paths of keys this harness does not act on (kept, reported by validate)."""
        found: list[str] = []
        _collect_extra(self, "", found)
        return found


def _collect_extra(model: BaseModel, prefix: str, out: list[str]) -> None:
    for key in model.model_extra or {}:
        out.append(f"{prefix}{key}")
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = type(model).model_fields[name].alias or name
        if isinstance(value, BaseModel):
            _collect_extra(value, f"{prefix}{key}.", out)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _collect_extra(item, f"{prefix}{key}[{i}].", out)
