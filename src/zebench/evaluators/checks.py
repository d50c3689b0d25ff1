"""The five kinds of heuristic check, each answering passed or not, and why."""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from zebench.evaluators.base import CheckSite
from zebench.evaluators.globs import WorkspaceFiles
from zebench.sandbox.paths import is_inside
from zebench.suites.model import (
    CommandCheck,
    FileCheck,
    PatternCheck,
    ScriptCheck,
    StructuredCheck,
)
from zebench.suites.templates import TemplateError, render
from zebench.workspace.commands import CommandResult, command_env, find_command, run_command

_MISSING = object()
_PATH_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]")
_INTERPRETERS = {".py": [sys.executable], ".js": ["node"], ".mjs": ["node"], ".sh": ["bash"]}


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    message: str
    command: CommandResult | None = None


async def check_command(ctx: CheckSite, check: CommandCheck) -> CheckOutcome:
    # A validation step that already ran exactly this command need not run it twice.
    result = find_command(ctx.validation.values(), check.command) or await run_command(
        check.command,
        cwd=ctx.workspace,
        timeout_s=ctx.settings.harness.command_timeout_s,
        name=check.name,
        tail_chars=ctx.settings.harness.output_tail_chars,
    )
    if result.ok:
        return CheckOutcome(True, "exit 0", result)
    reason = result.error or f"exit {result.exit_code}"
    return CheckOutcome(False, reason, result)


def check_file(ctx: CheckSite, check: FileCheck, files: WorkspaceFiles) -> CheckOutcome:
    directory = ctx.workspace / check.path
    found = files.match(check.path) or (
        [directory] if directory.is_dir() and is_inside(ctx.workspace, directory) else []
    )
    if check.exists:
        return CheckOutcome(bool(found), "exists" if found else f"{check.path} not found")
    return CheckOutcome(not found, "absent" if not found else f"{check.path} exists")


def check_pattern(ctx: CheckSite, check: PatternCheck, files: WorkspaceFiles) -> CheckOutcome:
    matched = files.match(check.file)
    regex = re.compile(check.pattern, re.MULTILINE)
    hits = [
        path.relative_to(ctx.workspace).as_posix()
        for path in matched
        if regex.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    if check.negated:
        if hits:
            return CheckOutcome(False, f"must not match, but matches in {', '.join(hits[:5])}")
        return CheckOutcome(True, f"no match in {len(matched)} file(s)")
    if not matched:
        return CheckOutcome(False, f"no file matches {check.file}")
    if hits:
        return CheckOutcome(True, f"matches in {', '.join(hits[:5])}")
    return CheckOutcome(False, f"no match in {len(matched)} file(s)")


def json_path(document: Any, path: str) -> Any:
    """Follow ``$.a.b[0]['c.d']``; ``_MISSING`` when any step is absent."""
    rest = path.strip()
    if not rest.startswith("$"):
        rest = "$." + rest
    rest = rest[1:]
    value = document
    while rest:
        match = _PATH_TOKEN.match(rest)
        if match is None:
            raise ValueError(f"cannot parse JSON path {path!r} at {rest!r}")
        key, index, quoted1, quoted2 = match.groups()
        rest = rest[match.end() :]
        name = key if key is not None else quoted1 if quoted1 is not None else quoted2
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
        elif isinstance(value, dict) and name in value:
            value = value[name]
        else:
            return _MISSING
    return value


def _load_structured(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        return yaml.safe_load(text)
    return json.loads(text)


def _has_section(text: str, header: str) -> bool:
    wanted = " ".join(header.split())
    bare = wanted.lstrip("#").strip()
    for line in text.splitlines():
        line = " ".join(line.split())
        if line == wanted:
            return True
        if not wanted.startswith("#") and line.startswith("#") and line.lstrip("#").strip() == bare:
            return True
    return False


def check_structured(ctx: CheckSite, check: StructuredCheck) -> CheckOutcome:
    path = ctx.workspace / check.file
    if not is_inside(ctx.workspace, path):
        return CheckOutcome(False, f"{check.file} leads outside the workspace; not read")
    if not path.is_file():
        return CheckOutcome(not check.exists, f"{check.file} not found")
    if check.section_header is not None:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = _has_section(text, check.section_header)
        where = f"section {check.section_header!r}"
    else:
        assert check.json_path is not None
        try:
            value = json_path(_load_structured(path), check.json_path)
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
            return CheckOutcome(False, f"{check.file}: {exc}")
        found = value is not _MISSING
        where = check.json_path
        if found and check.exists and check.equals is not None and value != check.equals:
            return CheckOutcome(False, f"{where} is {value!r}, expected {check.equals!r}")
    if check.exists:
        return CheckOutcome(found, f"{where} found" if found else f"{where} missing")
    return CheckOutcome(not found, f"{where} absent" if not found else f"{where} present")


def _script_path(ctx: CheckSite, script: str) -> Path | None:
    """The script in the scenario directory (staying inside the suite) or else in the
    workspace (staying inside it); never a file elsewhere on the machine."""
    for base, root in ((ctx.loaded.scenario_dir, ctx.loaded.suite_dir), (ctx.workspace, None)):
        candidate = (base / script).resolve()
        if candidate.is_file() and is_inside(root or ctx.workspace, candidate):
            return candidate
    return None


async def check_script(ctx: CheckSite, check: ScriptCheck) -> CheckOutcome:
    variables = ctx.template_variables()
    try:
        script = render(check.script, variables, ctx.loaded.raw)
        args = [render(arg, variables, ctx.loaded.raw) for arg in check.args]
    except TemplateError as exc:
        return CheckOutcome(False, str(exc))
    path = _script_path(ctx, script)
    if path is None:
        return CheckOutcome(
            False,
            f"script {script!r} not found in the scenario directory or the workspace "
            "(or it leads outside them)",
        )
    argv = [*_INTERPRETERS.get(path.suffix, []), str(path), *args]
    result = await run_command(
        shlex.join(argv),
        cwd=ctx.workspace,
        timeout_s=ctx.settings.harness.command_timeout_s,
        name=check.name,
        tail_chars=ctx.settings.harness.output_tail_chars,
        env=command_env({"ZEBENCH_WORKSPACE": str(ctx.workspace)}),
    )
    if result.ok:
        return CheckOutcome(True, "exit 0", result)
    return CheckOutcome(False, result.error or f"exit {result.exit_code}", result)
