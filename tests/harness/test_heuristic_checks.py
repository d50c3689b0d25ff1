"""Heuristic checks, each on one workspace state: commands, files, patterns (negatable),
structured data, scripts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness_support import make_context
from zebench.evaluators.base import CheckSite
from zebench.evaluators.globs import expand_braces, glob_regex
from zebench.evaluators.heuristic import HeuristicChecks
from zebench.evaluators.observation import Observation, run_checks
from zebench.workspace.commands import CommandResult

FIXTURE = {
    "src/app.ts": "export const color = '#3B82F6';\n",
    "src/components/Button.tsx": "<button aria-label='x'/>\n",
    "src/styles/deep/theme.css": "body { color: rgb(37, 99, 235); }\n",
    "package.json": json.dumps({"scripts": {"test": "jest"}, "paths": {"/users": {"get": {}}}}),
    "docs/PRD.md": "# PRD\n\n##   Security Requirements  \ntext\n",
    "CHANGELOG.md": "# Changelog\nTODO\n",
}


async def _run(ctx: Any) -> dict[str, Any]:
    site = CheckSite(
        ctx.loaded, ctx.workspace, ctx.settings, ctx.template_variables(), ctx.validation
    )
    return {
        c.name: {"passed": c.passed, "message": c.message, "outputTail": c.output_tail}
        for c in await run_checks(site)
    }


async def _checks(tmp_path: Path, checks: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return await _run(make_context(tmp_path, {"heuristic_checks": checks}, FIXTURE, **kwargs))


def test_globs_support_double_star_and_braces() -> None:
    assert expand_braces("src/**/*.{ts,tsx,css}") == [
        "src/**/*.ts",
        "src/**/*.tsx",
        "src/**/*.css",
    ]
    regex = glob_regex("src/**/*.{ts,tsx}")
    assert regex.match("src/app.ts") and regex.match("src/a/b/c.tsx")
    assert not regex.match("src/app.css") and not regex.match("lib/src/app.ts")
    assert glob_regex("*.md").match("README.md") and not glob_regex("*.md").match("docs/a.md")


async def test_patterns_match_over_globs_and_can_be_negated(tmp_path: Path) -> None:
    result = await _checks(
        tmp_path,
        {
            "patterns": [
                {"name": "blue", "file": "src/**/*.{ts,tsx,css}", "pattern": "#3B82F6|rgb\\(37"},
                {"name": "dark", "file": "src/**/*.tsx", "pattern": "dark:", "weight": 2},
                {"name": "no_todo", "file": "CHANGELOG.md", "pattern": "TODO", "negate": True},
                {
                    "name": "no_any",
                    "file": "src/**/*.ts",
                    "pattern": ":\\s*any\\b",
                    "must_not_match": True,
                },
                {"name": "nothing_there", "file": "lib/**/*.py", "pattern": "x"},
            ]
        },
    )
    assert result["blue"]["passed"] and "src/app.ts" in result["blue"]["message"]
    assert not result["dark"]["passed"]
    assert not result["no_todo"]["passed"] and "must not match" in result["no_todo"]["message"]
    assert result["no_any"]["passed"]
    assert not result["nothing_there"]["passed"]
    assert result["nothing_there"]["message"] == "no file matches lib/**/*.py"


async def test_files_and_structured_checks(tmp_path: Path) -> None:
    result = await _checks(
        tmp_path,
        {
            "files": [
                {"name": "pkg", "path": "package.json"},
                {"name": "docs_dir", "path": "docs"},
                {"name": "no_env", "path": ".env", "exists": False},
                {"name": "readme", "path": "README.md", "weight": 0.5},
            ],
            "structured": [
                {"name": "users_get", "file": "package.json", "json_path": "$.paths./users.get"},
                {
                    "name": "test_script",
                    "file": "package.json",
                    "json_path": "$.scripts.test",
                    "equals": "jest",
                },
                {"name": "lint_script", "file": "package.json", "json_path": "$.scripts.lint"},
                {
                    "name": "no_build",
                    "file": "package.json",
                    "json_path": "$['scripts']['build']",
                    "exists": False,
                },
                {
                    "name": "security",
                    "file": "docs/PRD.md",
                    "section_header": "## Security Requirements",
                },
                {"name": "testing", "file": "docs/PRD.md", "section_header": "## Testing Strategy"},
                {"name": "missing_file", "file": "nope.json", "json_path": "$.a"},
            ],
        },
    )
    passed = {name for name, c in result.items() if c["passed"]}
    assert passed == {
        "pkg",
        "docs_dir",
        "no_env",
        "users_get",
        "test_script",
        "no_build",
        "security",
    }
    assert result["lint_script"]["message"] == "$.scripts.lint missing"


async def test_commands_reuse_a_validation_run_of_the_same_command(tmp_path: Path) -> None:
    earlier = CommandResult("test", "pnpm test", 0, 5, "ok")
    result = await _checks(
        tmp_path,
        {
            "commands": [
                {"name": "tests", "command": "pnpm test"},
                {"name": "fails", "command": "exit 4"},
                {"name": "missing", "command": "no-such-tool --version"},
            ]
        },
        validation={"test": earlier},
    )
    assert result["tests"]["passed"]  # pnpm is not installed: the earlier result was used
    assert result["fails"]["message"] == "exit 4"
    assert result["missing"]["message"] == "exit 127"
    assert result["missing"]["passed"] is None  # could not run: measures nothing
    assert "no-such-tool" in result["missing"]["outputTail"]


async def test_scripts_get_template_variables_and_fail_on_unknown_ones(tmp_path: Path) -> None:
    checks = {
        "scripts": [
            {
                "name": "reads_workspace",
                "script": "./check.py",
                "args": ["${workspace}/package.json", "${artifact.figma_file_id}", "${tier}"],
            },
            {"name": "unknown_var", "script": "./check.py", "args": ["${nonsense.value}"]},
            {"name": "no_script", "script": "./missing.sh"},
        ]
    }
    ctx = make_context(
        tmp_path,
        {"heuristic_checks": checks, "artifact": {"type": "figma", "figma_file_id": "abc123"}},
        FIXTURE,
    )
    (ctx.loaded.scenario_dir / "check.py").write_text(
        "import json, sys\n"
        "data = json.load(open(sys.argv[1]))\n"
        "assert sys.argv[2:] == ['abc123', 'L1'], sys.argv\n"
        "sys.exit(0 if data['scripts']['test'] == 'jest' else 1)\n"
    )
    checks_by_name = await _run(ctx)
    assert checks_by_name["reads_workspace"]["passed"], checks_by_name["reads_workspace"]
    assert checks_by_name["unknown_var"]["message"] == "unknown template variable ${nonsense.value}"
    assert "not found" in checks_by_name["no_script"]["message"]


async def test_no_checks_or_disabled_means_not_evaluated(tmp_path: Path) -> None:
    ctx = make_context(
        tmp_path,
        {"heuristic_checks": {"enabled": False, "files": [{"name": "a", "path": "a"}]}},
        FIXTURE,
    )
    ctx = replace(ctx, before=Observation(), after=Observation())
    assert await HeuristicChecks().evaluate(ctx) == []
