"""Find an agent by name: the built-ins, then the ``zebench.agents`` entry points.

Agent modules are imported only when their agent is asked for, so listing agents
and starting the CLI stay fast. A third-party package registers a factory::

    [project.entry-points."zebench.agents"]
    my-agent = "my_package.agent:create"     # create(settings) -> Agent

A built-in name cannot be taken over by an entry point.
"""

from __future__ import annotations

import importlib
from importlib.metadata import EntryPoint, entry_points
from typing import cast

from zebench.agents.base import Agent, AgentFactory
from zebench.config import Settings
from zebench.errors import UserError

ENTRY_POINT_GROUP = "zebench.agents"

BUILTIN_AGENTS: dict[str, str] = {
    "echo": "zebench.agents.echo:create",
    "reference": "zebench.agents.reference:create",
    "anthropic": "zebench.agents.anthropic:create",
    "openai": "zebench.agents.openai:create",
    "openrouter": "zebench.agents.openai:create_openrouter",
    "claude-code": "zebench.agents.claude_code:create",
    "command": "zebench.agents.command:create",
}


def _plugins() -> dict[str, EntryPoint]:
    return {
        ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name not in BUILTIN_AGENTS
    }


def agent_names() -> list[str]:
    """Built-in agents in their documented order, then installed plugins sorted by name."""
    return [*BUILTIN_AGENTS, *sorted(_plugins())]


def _load_builtin(target: str) -> AgentFactory:
    module_name, _, attribute = target.partition(":")
    return cast(AgentFactory, getattr(importlib.import_module(module_name), attribute))


def get_agent(name: str, settings: Settings) -> Agent:
    """The agent called ``name``, built for ``settings``.

    Raises ``UserError`` for an unknown name (listing the known ones), for a plugin
    that fails to load, and for an agent whose settings are missing (an API key).
    """
    if name in BUILTIN_AGENTS:
        factory = _load_builtin(BUILTIN_AGENTS[name])
    else:
        plugin = _plugins().get(name)
        if plugin is None:
            known = ", ".join(agent_names())
            raise UserError(f"unknown agent {name!r}; known agents: {known}")
        try:
            factory = cast(AgentFactory, plugin.load())
        except Exception as exc:
            raise UserError(
                f"agent {name!r} from {plugin.value} failed to load: "
                f"{exc.__class__.__name__}: {exc}"
            ) from None
    agent = factory(settings)
    if not isinstance(agent, Agent):
        raise UserError(
            f"agent {name!r}: its factory returned {type(agent).__name__}, not an Agent"
        )
    return agent
