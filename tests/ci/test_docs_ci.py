"""docs/ci.md: the GitHub Actions workflow is valid YAML and every zebench command and
option it (or any example in the page) uses exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import typer
import yaml

from zebench.cli.main import app

CI_MD = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)
_SUBSTITUTION = re.compile(r"\$\([^()]*\)|\$\{\{[^}]*\}\}|\$\{?\w+\}?")


def _blocks(kind: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(CI_MD.read_text()) if lang == kind]


def _invocations(text: str) -> list[list[str]]:
    """Every ``zebench ...`` command line in shell text (substitutions made placeholders)."""
    flat = _SUBSTITUTION.sub("VALUE", text.replace("\\\n", " "))
    found = []
    for line in flat.splitlines():
        words = shlex.split(line, comments=True)
        while "zebench" in words:
            words = words[words.index("zebench") + 1 :]
            found.append(words)
    return found


def _workflow_commands() -> list[str]:
    [workflow] = [b for b in _blocks("yaml") if "jobs:" in b]
    parsed = yaml.safe_load(workflow)
    steps = [s for job in parsed["jobs"].values() for s in job["steps"]]
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)
    assert parsed[True] == "push" or parsed.get("on") == "push"  # YAML reads `on` as True
    return [s["run"] for s in steps if "run" in s]


def _check(words: list[str], root: Any) -> None:
    name, *rest = words
    command = root.commands.get(name)
    assert command is not None, f"docs/ci.md uses `zebench {name}`, which does not exist"
    options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for word in (w.strip("[]") for w in rest):  # [--flag]: optional in the synopsis
        if word.startswith("-"):
            flag = word.split("=", 1)[0]
            assert flag in options, f"`zebench {name}` has no option {flag} (docs/ci.md)"


def test_every_command_and_option_in_docs_ci_md_exists() -> None:
    root = typer.main.get_command(app)
    workflow = [words for run in _workflow_commands() for words in _invocations(run)]
    assert {w[0] for w in workflow} == {"batch", "compare"}
    assert any("--junit" in w for w in workflow) and any(
        "--fail-on-regression" in w for w in workflow
    )
    every = workflow + [w for block in _blocks("") for w in _invocations(block)]
    for words in every:
        _check(words, root)


def test_the_checker_catches_a_missing_option() -> None:
    root = typer.main.get_command(app)
    try:
        _check(["batch", "--no-such-flag"], root)
    except AssertionError as exc:
        assert "--no-such-flag" in str(exc)
    else:
        raise AssertionError("an unknown option passed the check")
