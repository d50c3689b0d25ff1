"""The settings reference in docs/deployment.md names every variable the model reads,
under the heading of its group, so the docs cannot fall behind the code."""

from __future__ import annotations

import re
from pathlib import Path

from zebench.config import Settings, setting_variables

DOCS = Path(__file__).resolve().parents[1] / "docs" / "deployment.md"


def _sections() -> dict[str, str]:
    """Each ``### `` heading of the Settings section, keyed by the group class it names."""
    text = DOCS.read_text()
    settings = text[text.index("\n## Settings\n") :]
    parts = re.split(r"\n### ", settings)[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


def _section_of(group: str) -> str:
    name = Settings.model_fields[group].annotation.__name__ if group else "Settings.home"
    matches = [body for heading, body in _sections().items() if f"`{name}" in heading]
    assert len(matches) == 1, f"docs/deployment.md: no single heading names {name}"
    return matches[0]


def test_every_variable_is_documented_under_its_group() -> None:
    missing = [
        f"{group or 'shared'}: {variables[0]}"
        for group, _, variables in setting_variables()
        if f"`{variables[0]}`" not in _section_of(group)
    ]
    assert not missing, f"undocumented in docs/deployment.md: {missing}"


def test_the_docs_name_no_variable_the_model_does_not_read() -> None:
    known = {variable for _, _, variables in setting_variables() for variable in variables}
    text = DOCS.read_text()
    settings = text[text.index("\n## Settings\n") :]
    named = set(re.findall(r"^\| `([A-Z_]+)`", settings, flags=re.MULTILINE))
    assert named <= known, f"docs/deployment.md names unknown variables: {named - known}"
