"""The ``command`` agent: any CLI, from the template in ``ZEBENCH_AGENT_COMMAND``.

The template is split like a shell line (no shell runs it, so a prompt cannot inject
commands); ``{prompt}``, ``{model}`` and ``{workspace}`` are replaced inside each
argument. Without ``{prompt}`` the prompt is written to the command's stdin. Usage is
read from the JSON the command prints, when it prints any (see ``cli_report``).
"""

from __future__ import annotations

import re
import shlex

from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.cli_agent import run_cli_agent
from zebench.config import Settings
from zebench.errors import UserError

_PLACEHOLDER = re.compile(r"\{(prompt|model|workspace)\}")


class CommandAgent:
    name = "command"

    def __init__(self, template: str) -> None:
        try:
            self.template = shlex.split(template)
        except ValueError as exc:
            raise UserError(f"ZEBENCH_AGENT_COMMAND cannot be parsed: {exc}") from None
        if not self.template:
            raise UserError("ZEBENCH_AGENT_COMMAND is empty")
        self.prompt_in_argv = any("{prompt}" in part for part in self.template)

    def argv(self, request: AgentRequest) -> list[str]:
        values = {
            "prompt": request.prompt,
            "model": request.model or "",
            "workspace": str(request.workspace),
        }
        # One pass, so a prompt that contains "{model}" is left as written.
        return [_PLACEHOLDER.sub(lambda m: values[m.group(1)], part) for part in self.template]

    async def run(self, request: AgentRequest) -> AgentResult:
        return await run_cli_agent(
            self.name,
            self.argv(request),
            request,
            stdin=None if self.prompt_in_argv else request.prompt,
        )


def create(settings: Settings) -> CommandAgent:
    if not settings.agents.agent_command:
        raise UserError(
            "the command agent needs ZEBENCH_AGENT_COMMAND, e.g. 'mytool --task {prompt}'"
        )
    return CommandAgent(settings.agents.agent_command)
