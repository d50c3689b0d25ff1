"""The agent extension point: what the harness gives an agent and what it gets back.

Third-party agents register a factory under the ``zebench.agents`` entry-point
group; the factory is called with ``Settings`` and returns an ``Agent``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from zebench.config import Settings
from zebench.sandbox.base import Sandbox


@dataclass(frozen=True)
class AgentRequest:
    """One task for an agent. Tools an agent offers must stay inside ``workspace``."""

    prompt: str
    workspace: Path
    model: str | None = None
    oracle: dict[str, str] = field(default_factory=dict)
    """question -> answer, for the askUser tool (exact, then fuzzy match)."""
    reference_path: Path | None = None
    """The scenario's reference solution, for the ``reference`` agent."""
    timeout_s: float = 2400.0
    max_iterations: int = 50
    max_tokens: int = 8192
    scenario_id: str = ""
    sandbox: Sandbox | None = None
    """The run's sandbox: every command an agent runs and every file its tools touch go
    through it. None only outside a harness run (then commands run on the host)."""


@dataclass
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None
    tool_calls: int = 0


@dataclass
class AgentResult:
    output: str
    usage: Usage = field(default_factory=Usage)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    """Messages in order: {"role", "content"} plus {"tool_calls": [...]} / {"tool_result": ...}."""
    model: str | None = None
    error: str | None = None
    """Set when the agent ended without finishing (iteration limit, API failure)."""


@runtime_checkable
class Agent(Protocol):
    name: str
    """An agent may also declare ``pass_env``: names of host variables (its own API key)
    passed into the sandbox through the environment allow-list."""

    async def run(self, request: AgentRequest) -> AgentResult:
        """Do the task in ``request.workspace``; raise only for failures of the agent itself."""
        ...


class AgentFactory(Protocol):
    def __call__(self, settings: Settings) -> Agent: ...
