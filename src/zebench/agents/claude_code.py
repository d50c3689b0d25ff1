"""The ``claude-code`` agent: ``claude -p <prompt> --output-format json`` in the workspace.

The binary (``ZEBENCH_CLAUDE_CODE_BINARY``) and extra arguments
(``ZEBENCH_CLAUDE_CODE_ARGS``, JSON list) are settings; cost, tokens and turns come
from the JSON object the CLI prints when it finishes.
"""

from __future__ import annotations

from zebench.agents.base import AgentRequest, AgentResult
from zebench.agents.cli_agent import run_cli_agent
from zebench.config import AgentSettings, Settings

# Linux refuses a single argument above 128 KiB; longer prompts go through stdin,
# which ``claude -p`` reads when no prompt argument is given.
ARGV_PROMPT_LIMIT = 100_000


class ClaudeCodeAgent:
    name = "claude-code"
    pass_env = ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "CLAUDE_CODE_OAUTH_TOKEN")
    """Claude Code's own credentials pass into the sandbox (it also needs
    ``--sandbox-network on`` to reach its API)."""

    def __init__(self, settings: AgentSettings) -> None:
        self.binary = settings.claude_code_binary
        self.extra_args = list(settings.claude_code_args)

    def argv(self, request: AgentRequest) -> tuple[list[str], str | None]:
        """The command line, and the prompt to send on stdin (None when it is an argument)."""
        long_prompt = len(request.prompt.encode()) > ARGV_PROMPT_LIMIT
        argv = [self.binary, "-p"]
        if not long_prompt:
            argv.append(request.prompt)
        argv += ["--output-format", "json", *self.extra_args]
        if request.model:
            argv += ["--model", request.model]
        return argv, request.prompt if long_prompt else None

    async def run(self, request: AgentRequest) -> AgentResult:
        argv, stdin = self.argv(request)
        return await run_cli_agent(
            self.name,
            argv,
            request,
            stdin=stdin,
            hint=" (is Claude Code installed and visible in the sandbox? set "
            "ZEBENCH_CLAUDE_CODE_BINARY)",
        )


def create(settings: Settings) -> ClaudeCodeAgent:
    return ClaudeCodeAgent(settings.agents)
