"""Run a coding-agent CLI in the workspace and turn what it printed into an AgentResult.

Shared by ``claude-code`` and the generic ``command`` agent. The CLI runs in the run's
sandbox (``request.sandbox``) under ``request.timeout_s``; a missing binary, a non-zero exit, a
timeout or a CLI-reported failure become ``AgentResult.error``, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zebench.agents.base import AgentRequest, AgentResult, Usage
from zebench.agents.cli_report import (
    parse_report,
    report_error,
    report_model,
    report_output,
    report_usage,
)
from zebench.agents.workspace_tools import truncate
from zebench.sandbox import current_sandbox
from zebench.sandbox.process import ProcessOutcome, run_process

STDOUT_LIMIT = 8_000_000
TAIL_CHARS = 4000


async def run_cli_agent(
    name: str,
    argv: Sequence[str],
    request: AgentRequest,
    *,
    stdin: str | None = None,
    hint: str = "",
) -> AgentResult:
    """``argv`` already holds the prompt unless it is passed on ``stdin``."""
    sandbox = request.sandbox or current_sandbox()
    if sandbox is not None:
        outcome = await sandbox.exec(
            argv, timeout_s=request.timeout_s, stdin=stdin, output_limit=STDOUT_LIMIT
        )
    else:
        outcome = await run_process(
            argv,
            cwd=request.workspace,
            timeout_s=request.timeout_s,
            stdin=stdin,
            output_limit=STDOUT_LIMIT,
        )
    report = parse_report(outcome.stdout) if not outcome.error else None
    usage = report_usage(report) if report else Usage()
    output = (report_output(report) if report else None) or truncate(outcome.stdout, TAIL_CHARS)
    error = _error(name, argv, outcome, report, hint)
    transcript: list[dict[str, Any]] = [
        {"role": "user", "content": request.prompt},
        {"role": "assistant", "content": output},
        {
            "role": "process",
            "argv": [a if a != request.prompt else "<prompt>" for a in argv],
            "exitCode": outcome.exit_code,
            "timedOut": outcome.timed_out,
            "durationMs": round(outcome.duration_s * 1000),
            "stderr": truncate(outcome.stderr, TAIL_CHARS),
            "report": report,
        },
    ]
    if error:
        transcript.append({"role": "event", "content": error})
    return AgentResult(
        output=output,
        usage=usage,
        transcript=transcript,
        model=(report_model(report) if report else None) or request.model,
        error=error,
    )


def _error(
    name: str,
    argv: Sequence[str],
    outcome: ProcessOutcome,
    report: dict[str, Any] | None,
    hint: str,
) -> str | None:
    if outcome.error:
        return f"{name}: {outcome.error}{hint}"
    if outcome.timed_out:
        return f"{name}: timed out after {outcome.duration_s:.0f} s; its process group was killed"
    reported = report_error(report) if report else None
    if reported:
        code = f" (exit code {outcome.exit_code})" if outcome.exit_code else ""
        return f"{name}: {reported}{code}"
    if outcome.exit_code != 0:
        tail = truncate(outcome.stderr.strip() or outcome.stdout.strip(), 500)
        program = Path(argv[0]).name
        return f"{name}: {program} exited with code {outcome.exit_code}: {tail}".rstrip(": ")
    return None
