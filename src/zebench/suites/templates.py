"""``${...}`` template variables in heuristic script checks.

A name is either one of the run's variables (``${workspace}``, ``${scenario_dir}``
...) or a dotted path into scenario.yaml as written (``${artifact.figma_file_id}``).
An unknown name is an error, never an empty string: a script silently called
with a blank argument would fail for the wrong reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

TEMPLATE_VARIABLE = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")

RUN_VARIABLES = (
    "workspace",
    "fixture",
    "scenario_dir",
    "suite_dir",
    "suite",
    "scenario",
    "tier",
    "agent",
    "model",
)
"""Provided by the harness for each run."""


class TemplateError(ValueError):
    pass


def lookup(raw: Mapping[str, Any], dotted: str) -> Any:
    """The value at ``a.b.c`` in the scenario mapping; ``KeyError`` when absent."""
    value: Any = raw
    for part in dotted.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(dotted)
    return value


def known_variable(name: str, raw: Mapping[str, Any]) -> bool:
    if name in RUN_VARIABLES:
        return True
    try:
        value = lookup(raw, name)
    except KeyError:
        return False
    return not isinstance(value, Mapping | list)


def render(text: str, variables: Mapping[str, str], raw: Mapping[str, Any]) -> str:
    """Replace every ``${name}``; raise ``TemplateError`` naming the first unknown one."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return variables[name]
        try:
            value = lookup(raw, name)
        except KeyError:
            raise TemplateError(f"unknown template variable ${{{name}}}") from None
        if isinstance(value, Mapping | list) or value is None:
            raise TemplateError(f"template variable ${{{name}}} is not a single value")
        return str(value).lower() if isinstance(value, bool) else str(value)

    return TEMPLATE_VARIABLE.sub(replace, text)
